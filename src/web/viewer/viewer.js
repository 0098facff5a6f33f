// SPDX-License-Identifier: MIT
// The viewer: its elements, load() and layout, zoom and breadcrumb, keys, live.

// ---- the viewer ----
function Viewer(root, opts) {
	this.opts = opts || {};
	this.root = root;
	root.classList.add('sv');
	root.tabIndex = 0;
	this.icicle = false;
	this.zoomPath = [];
	this.term = '';
	this.range = null;   // [t0, t1) ms of the heatmap selection
	this.sort = 'self';
	this.baseline = null;
	this.hover = -1;
	this.build();
}

Viewer.prototype.build = function () {
	var self = this, r = this.root;
	var bar = el('div', 'sv-toolbar');
	this.titleEl = el('span', 'sv-title', 'Flame Graph');
	this.resetBtn = el('button', 'sv-reset', 'Reset zoom');
	this.icicleBtn = el('button', 'sv-icicle', 'Icicle');
	this.tableBtn = el('button', 'sv-table-toggle', 'Top functions');
	this.searchIn = el('input', 'sv-search');
	this.searchIn.type = 'search';
	this.searchIn.placeholder = 'Search (regex) - /';
	this.matchedEl = el('span', 'sv-matched', '');
	this.liveEl = el('span', 'sv-live', this.opts.live ? '\u25cf live' : '');
	bar.append(this.titleEl, this.liveEl, this.resetBtn, this.icicleBtn, this.tableBtn, this.searchIn, this.matchedEl);
	this.heatBox = el('div', 'sv-heat');
	this.heatTitle = el('div', 'sv-heat-title', '');
	this.heatCanvas = el('canvas', 'sv-heat-canvas');
	this.rangeEl = el('div', 'sv-range', '');
	this.heatBox.append(this.heatTitle, this.heatCanvas, this.rangeEl);
	this.crumbs = el('div', 'sv-crumbs');
	this.graph = el('div', 'sv-graph');
	this.canvas = el('canvas', 'sv-flame');
	this.overlay = el('canvas', 'sv-overlay'); // the mouse target; never drawn on
	this.overlay.width = this.overlay.height = 1;
	this.hl = el('div', 'sv-hl');                // the hovered frame's outline
	this.graph.append(this.canvas, this.hl, this.overlay);
	// (empty: its monospace font is looked up at the first hover, not before the first paint)
	this.details = el('div', 'sv-details', '');
	this.tip = el('div', 'sv-tip');
	this.tableBox = el('div', 'sv-tablebox');
	this.table = el('table', 'sv-table');
	this.tableBox.append(this.table);
	r.append(bar, this.heatBox, this.crumbs, this.graph, this.details, this.tableBox, this.tip);

	this.resetBtn.onclick = function () { self.zoomTo(0); };
	this.icicleBtn.onclick = function () { self.toggleIcicle(); };
	this.tableBtn.onclick = function () { self.tableBox.classList.toggle('sv-hidden'); };
	this.searchIn.addEventListener('input', function () { self.search(self.searchIn.value); });
	this.searchIn.addEventListener('keydown', function (e) {
		if (e.key === 'Escape') { self.searchIn.value = ''; self.search(''); self.searchIn.blur(); }
		else if (e.key === 'Enter') self.searchIn.blur();
		e.stopPropagation();
	});
	this.overlay.addEventListener('mousemove', function (e) { self.onMove(e); });
	this.overlay.addEventListener('mouseleave', function () { self.setHover(-1); });
	this.overlay.addEventListener('click', function (e) {
		var i = self.hit(e);
		if (i >= 0) self.zoomTo(i);
	});
	this.keyHandler = function (e) { self.onKey(e); };
	document.addEventListener('keydown', this.keyHandler);
	this.resizeHandler = function () { self.redraw(); };
	window.addEventListener('resize', this.resizeHandler);
	this.heatCanvas.addEventListener('mousedown', function (e) { self.heatDown(e); });
	this.heatCanvas.addEventListener('mousemove', function (e) { self.heatMove(e); });
	window.addEventListener('mouseup', function (e) { self.heatUp(e); });
};

// Loads (or reloads) a profile; zoom, search, icicle, range and scroll survive a reload.
Viewer.prototype.load = function (json) {
	if (!this.loaded) performance.mark('scorch-viewer-load');
	if (typeof json === 'string') json = JSON.parse(json);
	// (nothing to keep before the first load: reading them would lay the page out early)
	var scrollY = this.loaded ? window.scrollY : 0, gscroll = this.loaded ? this.graph.scrollTop : 0;
	this.t = new Tree(json);
	if (json.meta && json.meta.cmdline) this.titleEl.textContent = json.meta.cmdline;
	this.heatBox.classList.toggle('sv-hidden', !this.t.tl);
	this.vals = this.t.tot;
	if (this.range && this.t.tl) this.vals = this.t.rangeValues(this.range[0], this.range[1]);
	else this.range = null;
	this.rangeUnit = this.range ? 'samples' : null;
	this.layout();
	var z = this.t.find(this.zoomPath);
	this.z = z >= 0 ? z : 0;
	if (this.baseline) this.matchBaseline();
	this.computeSearch();
	this.buildHeat();
	this.drawHeat();
	this.redraw();
	// a coarse copy's table would lack the narrow functions: the full copy builds it
	if (json.partial) this.table.textContent = '';
	else if (this.loaded) this.buildTable();
	else setTimeout(this.buildTable.bind(this), 0); // after the first paint
	if (this.loaded) {
		window.scrollTo(window.scrollX, scrollY);
		this.graph.scrollTop = gscroll;
	}
	if (!this.loaded) { // benchmarks read these marks (bench/viewer.mjs)
		this.loaded = true;
		performance.mark('scorch-viewer-drawn');
		requestAnimationFrame(function () { performance.mark('scorch-viewer-painted'); });
	}
	return this;
};

// Left edges of every node for the current values, in value units (a coarse copy comes with
// its own, where the full graph has them).
Viewer.prototype.layout = function () {
	var t = this.t, v = this.vals, xs = v === t.tot ? t.x : null;
	if (!xs) {
		xs = new Float64Array(t.n);
		var cur = new Float64Array(t.maxDepth + 2);
		for (var i = 0; i < t.n; i++) {
			var d = t.dep[i];
			xs[i] = cur[d];
			cur[d] += v[i];
			cur[d + 1] = xs[i];
		}
	}
	this.xs = xs;
	this.self = null; // by functions(), after the first paint
	this.md = null;   // by visibleDepth(), for a time range's values
};

Viewer.prototype.total = function () { return this.vals[0]; };
Viewer.prototype.unitLabel = function () { return this.range ? 'samples' : this.t.unit; };
Viewer.prototype.valueText = function (v) {
	return this.range ? commify(v) : fmtValue(v, this.t.scale);
};

// ---- zoom and breadcrumb ----
Viewer.prototype.zoomTo = function (i) {
	if (!this.t || i < 0) return;
	this.z = i;
	this.zoomPath = this.t.path(i);
	this.hover = -1;
	this.tip.style.display = 'none';
	this.computeSearch();
	this.redraw();
};
Viewer.prototype.drawCrumbs = function () {
	var self = this, c = this.crumbs, t = this.t, chain = [];
	for (var a = this.z; a >= 0; a = t.par[a]) chain.push(a);
	chain.reverse();
	c.textContent = '';
	chain.forEach(function (n, k) {
		if (k) c.append(el('span', 'sv-sep', ' \u203a '));
		var b = el('span', 'sv-crumb' + (n === self.z ? ' sv-current' : ''), t.names[t.nm[n]]);
		b.onclick = function () { self.zoomTo(n); };
		c.append(b);
	});
	this.resetBtn.disabled = this.z === 0;
};
Viewer.prototype.toggleIcicle = function () {
	this.icicle = !this.icicle;
	this.icicleBtn.textContent = this.icicle ? 'Flame' : 'Icicle';
	this.root.classList.toggle('sv-icicle-mode', this.icicle);
	this.redraw();
};

// ---- keys (as the terminal UI's) ----
Viewer.prototype.onKey = function (e) {
	if (!this.root.isConnected || e.ctrlKey || e.metaKey || e.altKey) return;
	var tag = (e.target && e.target.tagName) || '';
	if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
	switch (e.key) {
	case '/': this.searchIn.focus(); this.searchIn.select(); break;
	case 'n': this.nextMatch(1); break;
	case 'N': this.nextMatch(-1); break;
	case 'Escape': case 'u': this.zoomTo(0); break;
	case 'Backspace': if (this.z) this.zoomTo(this.t.par[this.z]); break;
	case 'r': this.searchIn.value = ''; this.term = ''; this.zoomTo(0); break;
	case 'i': this.toggleIcicle(); break;
	case 't': this.tableBox.classList.toggle('sv-hidden'); break;
	case 'c': this.clearRange(); break;
	default: return;
	}
	e.preventDefault();
};

// Live (a profile still being recorded): marks the view; load() is called again with news.
Viewer.prototype.setLive = function (on) {
	this.opts.live = !!on;
	this.liveEl.textContent = on ? '\u25cf live' : '';
};

// ---- for tests and benchmarks ----
// Page rectangle (client coordinates) of the widest drawn frame called name, or null.
Viewer.prototype.locate = function (name) {
	var t = this.t, best = -1;
	for (var i = 0; i < t.n; i++) {
		if (t.names[t.nm[i]] !== name || !this.rectOf(i)) continue;
		if (best < 0 || this.vals[i] > this.vals[best]) best = i;
	}
	if (best < 0) return null;
	var r = this.rectOf(best), c = this.overlay.getBoundingClientRect();
	return { x: c.left + r.x, y: c.top + r.y, w: r.w, h: ROW - 1, node: best };
};
Viewer.prototype.destroy = function () {
	document.removeEventListener('keydown', this.keyHandler);
	window.removeEventListener('resize', this.resizeHandler);
	this.root.textContent = '';
};
