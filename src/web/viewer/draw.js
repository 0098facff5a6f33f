// SPDX-License-Identifier: MIT
// The flame graph on its canvas: drawing, hit testing, hover.

// ---- the flame graph ----
// Deepest drawn depth under the frame z (per-node maxima, computed once per values). The
// graph keeps the height of the whole profile when zoomed (as flamegraph.pl's does): a
// zoom then only redraws the canvas, without resizing it and laying out the page again.
Viewer.prototype.visibleDepth = function (z) {
	var t = this.t, v = this.vals;
	if (z === 0 && v === t.tot) return t.maxDepth;
	if (!this.md) {
		var md = new Uint32Array(t.dep);
		for (var i = t.n - 1; i > 0; i--) {
			var p = t.par[i];
			if (v[i] > 0 && md[i] > md[p]) md[p] = md[i];
		}
		this.md = md;
	}
	return this.md[z];
};
Viewer.prototype.rowY = function (d) {
	return this.icicle ? d * ROW : (this.rows - 1 - d) * ROW;
};
// Draws the graph: the frames to draw are gathered first, then written as pixels, one
// pixel row per depth, into a small canvas, whose rows are stretched onto the graph's
// (one drawImage per depth: thousands of fillRect calls, each recorded and replayed by the
// canvas, cost more than a frame's budget), then labelled.
Viewer.prototype.redraw = function () {
	if (!this.t) return;
	var t = this.t, c = this.canvas, dpr = window.devicePixelRatio || 1;
	var w = this.graph.clientWidth || 800;
	this.rows = this.visibleDepth(0) + 1;
	var h = this.rows * ROW;
	this.width = w;
	if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
		c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
		c.style.width = w + 'px'; c.style.height = h + 'px';
		this.overlay.style.width = c.style.width; this.overlay.style.height = c.style.height;
	}
	var g = c.getContext('2d');
	g.setTransform(dpr, 0, 0, dpr, 0, 0);
	var z = this.z, vals = this.vals, vz = vals[z];
	// The whole profile's view (zoom 0), which Esc, Reset zoom and the breadcrumb bring
	// back, is kept as a bitmap while what it shows stays the same: saved from the canvas
	// when zooming away from it, drawn back in one drawImage.
	var key = [t, vals, this.match, this.bvals, this.icicle, c.width, c.height];
	if (z !== 0 && sameKey(this.shownRoot, key)) this.saveRoot();
	this.shownRoot = null;
	if (z === 0 && sameKey(this.savedRoot, key)) {
		g.setTransform(1, 0, 0, 1, 0, 0);
		g.clearRect(0, 0, c.width, c.height);
		g.drawImage(this.rootCanvas, 0, 0);
		g.setTransform(dpr, 0, 0, dpr, 0, 0);
		this.drawn = this.rootDrawn;
		this.shownRoot = key;
		this.drawCrumbs();
		this.placeHighlight();
		return;
	}
	this.drawn = 0;
	if (vz <= 0) { g.clearRect(0, 0, w, h); this.drawCrumbs(); this.placeHighlight(); return; }
	this.frames(z, w);
	this.fill(g);
	if (z === 0) {
		this.shownRoot = key;
		if (!t.json.partial) this.idle('saveRoot');
	}
	this.drawCrumbs();
	this.placeHighlight();
};
// Gathers the frames of the view zoomed to z, w pixels wide (this.buf, this.nbuf).
Viewer.prototype.frames = function (z, w) {
	var t = this.t, vals = this.vals, scale = w / vals[z], x0 = this.xs[z], xs = this.xs, end = t.end;
	this.nbuf = 0;
	// ancestors of the zoomed frame span the whole width
	for (var a = t.par[z]; a >= 0; a = t.par[a]) this.gather(a, 0, w);
	for (var i = z; i < end[z]; i++) {
		var fw = vals[i] * scale;
		if (fw < MIN_W) { i = end[i] - 1; continue; }
		this.gather(i, (xs[i] - x0) * scale, fw);
	}
};
// Runs the code of a zoom (gathering, pixels, labels) once, on the widest frame under the root,
// drawing nothing: the first click then runs compiled code, not the interpreter.
Viewer.prototype.warm = function () {
	var t = this.t, best = -1;
	if (this.warmed === t || !this.px || this.vals[0] <= 0) return;
	this.warmed = t;
	for (var c = 1; c < t.end[0]; c = t.end[c])
		if (best < 0 || this.vals[c] > this.vals[best]) best = c;
	if (best < 0) return;
	this.frames(best, this.width);
	this.pixels();
	for (var k = 0, b = this.buf; k < this.nbuf; k++)
		if (b.w[k] >= TEXT_W) this.label(t.nm[b.node[k]], Math.floor((b.w[k] - 6) / CHAR_W));
	this.nbuf = 0;
};
// Keeps the whole profile's view, while the canvas shows it, as a bitmap (its first copy
// allocates a canvas as big as the graph's: done when idle, not on the first zoom).
Viewer.prototype.saveRoot = function () {
	var shown = this.shownRoot, c = this.canvas;
	if (!shown || sameKey(this.savedRoot, shown)) return;
	var rc = this.rootCanvas || (this.rootCanvas = document.createElement('canvas'));
	if (rc.width !== c.width || rc.height !== c.height) { rc.width = c.width; rc.height = c.height; }
	var g = rc.getContext('2d');
	g.globalCompositeOperation = 'copy';
	g.drawImage(c, 0, 0);
	this.savedRoot = shown;
	this.rootDrawn = this.drawn;
	this.warm();
};
// Calls this[method]() once the page is idle (one pending call per method).
Viewer.prototype.idle = function (method) {
	var self = this, pending = this.pending || (this.pending = {});
	if (pending[method]) return;
	pending[method] = true;
	var run = function () { pending[method] = false; if (self.t) self[method](); };
	if (window.requestIdleCallback) requestIdleCallback(run, { timeout: 1000 });
	else setTimeout(run, 50);
};
function sameKey(a, b) {
	if (!a || !b || a.length !== b.length) return false;
	for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}
Viewer.prototype.gather = function (i, x, w) {
	var b = this.buf, k = this.nbuf++;
	if (!b || k === b.node.length) {
		var nb = { node: new Int32Array(k ? 2 * k : 16384), x: new Float64Array(k ? 2 * k : 16384),
			w: new Float64Array(k ? 2 * k : 16384), col: new Uint16Array(k ? 2 * k : 16384) };
		if (b) { nb.node.set(b.node); nb.x.set(b.x); nb.w.set(b.w); nb.col.set(b.col); }
		this.buf = b = nb;
	}
	b.node[k] = i; b.x[k] = x; b.w[k] = w; b.col[k] = this.colorOf(i);
};
// Writes the gathered frames as pixels, a pixel row per depth, into this.px; returns which
// depths have any.
Viewer.prototype.pixels = function () {
	var b = this.buf, n = this.nbuf, t = this.t, px = this.px;
	var W = this.canvas.width, dpr = W / this.width, used = new Uint8Array(this.rows);
	px.fill(0);
	for (var k = 0; k < n; k++) {
		var d = t.dep[b.node[k]], w = b.w[k];
		var x0 = Math.round(b.x[k] * dpr), x1 = Math.round((b.x[k] + (w > 2 ? w - 1 : w)) * dpr);
		if (x1 <= x0) x1 = x0 + 1;
		if (x1 > W) x1 = W;
		px.fill(PIXEL[b.col[k]], d * W + x0, d * W + x1);
		used[d] = 1;
	}
	return used;
};
Viewer.prototype.fill = function (g) {
	var b = this.buf, n = this.nbuf, t = this.t, k;
	var W = this.canvas.width, rows = this.rows;
	var bc = this.bands || (this.bands = document.createElement('canvas'));
	if (bc.width !== W || bc.height !== rows) {
		bc.width = Math.max(W, 1); bc.height = Math.max(rows, 1);
		this.img = bc.getContext('2d').createImageData(bc.width, bc.height);
		this.px = new Uint32Array(this.img.data.buffer);
	}
	var used = this.pixels(), d;
	bc.getContext('2d').putImageData(this.img, 0, 0);
	g.clearRect(0, 0, this.width, rows * ROW);
	g.imageSmoothingEnabled = false;
	for (d = 0; d < rows; d++)
		if (used[d]) g.drawImage(bc, 0, d, W, 1, 0, this.rowY(d), this.width, ROW - 1);
	g.fillStyle = '#000';
	g.font = '12px sans-serif';
	g.textBaseline = 'middle';
	for (k = 0; k < n; k++) {
		if (b.w[k] < TEXT_W) continue;
		var s = this.label(t.nm[b.node[k]], Math.floor((b.w[k] - 6) / CHAR_W));
		if (s) g.fillText(s, b.x[k] + 3, this.rowY(t.dep[b.node[k]]) + ROW / 2);
	}
	this.drawn = n;
};
// The label of name index k in room characters, or null. Cut names keep a multiple of 4
// characters (past 8), so that zooming reuses strings the canvas has laid out before.
Viewer.prototype.label = function (k, room) {
	if (room < 3) return null;
	var name = this.t.names[k];
	if (name.length <= room) return name;
	var q = room - 2;
	if (q > 8) q -= q % 4;
	var cache = this.t.labels, key = k * 1024 + Math.min(q, 1023), s = cache.get(key);
	if (s === undefined) { s = name.slice(0, q) + '..'; cache.set(key, s); }
	return s;
};
// Palette index of node i's colour.
Viewer.prototype.colorOf = function (i) {
	var t = this.t, k = t.nm[i];
	if (this.match && this.match[k]) return MAGENTA;
	if (this.bvals) return this.diffIndex(i);
	var c = t.hot[k];
	if (c < 0) c = t.hot[k] = hotIndex(t.names[k]);
	return c;
};
Viewer.prototype.frameColor = function (i) { return paletteText(this.colorOf(i)); };
// The hovered frame's outline (a positioned element: moving it repaints nothing else).
Viewer.prototype.placeHighlight = function () {
	var r = this.hover >= 0 ? this.rectOf(this.hover) : null, s = this.hl.style;
	if (!r) { s.display = 'none'; return; }
	s.display = 'block';
	s.transform = 'translate(' + r.x + 'px,' + r.y + 'px)';
	s.width = Math.max(r.w, 2) + 'px';
};
// Canvas-relative rectangle of node i, or null when it is not drawn.
Viewer.prototype.rectOf = function (i) {
	var t = this.t, z = this.z;
	if (i < 0 || i >= t.n || this.vals[z] <= 0) return null;
	var inZoom = i >= z && i < t.end[z];
	if (!inZoom) {
		for (var a = t.par[z]; a >= 0 && a !== i; a = t.par[a]);
		if (a !== i) return null;
		return { x: 0, y: this.rowY(t.dep[i]), w: this.width };
	}
	var scale = this.width / this.vals[z], w = this.vals[i] * scale;
	if (w < MIN_W) return null;
	return { x: (this.xs[i] - this.xs[z]) * scale, y: this.rowY(t.dep[i]), w: w };
};
// The node under a mouse event, or -1.
Viewer.prototype.hit = function (e) {
	var r = this.overlay.getBoundingClientRect();
	return this.nodeAt(e.clientX - r.left, e.clientY - r.top);
};
Viewer.prototype.nodeAt = function (px, py) {
	var t = this.t, z = this.z;
	if (!t || this.vals[z] <= 0) return -1;
	var row = Math.floor(py / ROW), d = this.icicle ? row : this.rows - 1 - row;
	if (d < 0 || px < 0 || px >= this.width) return -1;
	if (d <= t.dep[z]) {
		var a = z;
		while (t.dep[a] > d) a = t.par[a];
		return a;
	}
	var scale = this.width / this.vals[z], x = this.xs[z] + px / scale, i = z;
	while (t.dep[i] < d) {
		var next = -1;
		for (var c = i + 1; c < t.end[i]; c = t.end[c])
			if (this.vals[c] > 0 && x >= this.xs[c] && x < this.xs[c] + this.vals[c]) { next = c; break; }
		if (next < 0) return -1;
		i = next;
	}
	return this.vals[i] * scale >= MIN_W ? i : -1;
};
Viewer.prototype.describe = function (i) {
	var t = this.t, v = this.vals[i], tot = this.total();
	var pct = tot > 0 ? 100 * v / tot : 0;
	var s = t.names[t.nm[i]] + ' (' + this.valueText(v) + ' ' + this.unitLabel() + ', ' + pct.toFixed(2) + '%)';
	if (this.bvals) {
		var d = this.delta(i) * 100;
		s += ' ' + (d >= 0 ? '+' : '') + d.toFixed(2) + '% vs baseline';
	}
	return s;
};
Viewer.prototype.onMove = function (e) {
	var i = this.hit(e);
	this.setHover(i);
	if (i >= 0) {
		// fixed: right wherever the page puts the viewer; moved by a transform, which
		// lays nothing out again
		var x = Math.max(0, Math.min(e.clientX + 12, window.innerWidth - 320));
		var y = e.clientY + 40 > window.innerHeight ? e.clientY - 30 : e.clientY + 14;
		this.tip.style.transform = 'translate(' + x + 'px,' + y + 'px)';
	}
};
Viewer.prototype.setHover = function (i) {
	if (i === this.hover) return;
	this.hover = i;
	if (i >= 0) {
		var s = this.describe(i);
		this.tip.textContent = s;
		this.tip.style.display = 'block';
		this.details.textContent = 'Function: ' + s;
	} else {
		this.tip.style.display = 'none';
		this.details.textContent = ' ';
	}
	this.placeHighlight();
};
