// SPDX-License-Identifier: MIT
// scorch's flame-graph viewer: canvas rendering, zoom, search, top table, heatmap, diff.
// Embedded in the binary (scripts/embed.py); used by -o FILE.html pages and scorch serve.
// API: var v = ScorchViewer.create(element, {live: bool}); v.load(json); v.setBaseline(json|null)
var ScorchViewer = (function () {
	'use strict';
	if (window.performance && performance.mark) performance.mark('scorch-viewer-script');

	var ROW = 16;          // px per frame row
	var MIN_W = 1;         // narrower frames are not drawn (their parent covers them)
	var TEXT_W = 24;       // frames narrower than this get no label
	var CHAR_W = 7;        // px per label character (12px Verdana, about)
	var HEAT_ROWS_MS = 20; // heatmap: one row per 20 ms of each second
	var TABLE_ROWS = 200;  // rows the top-functions table shows

	function el(tag, cls, text) {
		var e = document.createElement(tag);
		if (cls) e.className = cls;
		if (text !== undefined) e.textContent = text;
		return e;
	}
	function commify(v) {
		var s = String(v), parts = s.split('.');
		parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ',');
		return parts.join('.');
	}
	function fmtValue(v, scale) {
		if (scale > 1) return commify(Math.round(v / scale * 1000) / 1000);
		return commify(v);
	}
	function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }

	// A stable warm colour per name (flamegraph.pl's "hot" palette, seeded by the name).
	function hash(s) {
		var h = 2166136261;
		for (var i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); }
		return h >>> 0;
	}
	// Frame colours are indices into PALETTE (CSS text) and PIXEL (opaque RGBA as one
	// little-endian 32-bit pixel of ImageData): 0..255 the hot palette (its three random
	// values in 8, 8 and 4 steps), then magenta (search matches), then 256 reds and 256 blues
	// (diff: rgb(255,c,c) and rgb(c,c,255)).
	var HOT = 0, MAGENTA = 256, RED = 257, BLUE = 513, NCOLORS = 769;
	var PALETTE = [], PIXEL = new Uint32Array(NCOLORS);
	(function () {
		var rgb = function (r, g, b) {
			PIXEL[PALETTE.length] = (0xff000000 | b << 16 | g << 8 | r) >>> 0;
			PALETTE.push('rgb(' + r + ',' + g + ',' + b + ')');
		};
		for (var k = 0; k < 256; k++) {
			var v1 = (k & 31) / 31, v2 = ((k >>> 5) & 1) / 1, v3 = (k >>> 6) / 3;
			rgb(205 + Math.round(50 * v3), Math.round(230 * v1), Math.round(55 * v2));
		}
		rgb(230, 0, 230);
		for (var c = 0; c < 256; c++) rgb(255, c, c);
		for (c = 0; c < 256; c++) rgb(c, c, 255);
	})();
	function hotIndex(name) { return hash(name) & 255; }

	// ---- the profile as typed arrays ----
	// Packed numbers (viewer.h): 5-bit groups, little-endian, one base64url character each,
	// 32 added while more follow. Decodes `count` tuples of `width` values into arrays.
	var V64 = new Int8Array(128).fill(-1);
	'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('').forEach(function (c, i) { V64[c.charCodeAt(0)] = i; });
	function unpack3(str, count, a, b, t) {
		var pos = 0, c = 0, v, mul;
		for (var i = 0; i < count; i++) { // three store sites, each of one array type
			c = V64[str.charCodeAt(pos++)]; v = c & 31; mul = 32;
			while (c & 32) { c = V64[str.charCodeAt(pos++)]; v += (c & 31) * mul; mul *= 32; }
			a[i] = v;
			c = V64[str.charCodeAt(pos++)]; v = c & 31; mul = 32;
			while (c & 32) { c = V64[str.charCodeAt(pos++)]; v += (c & 31) * mul; mul *= 32; }
			b[i] = v;
			c = V64[str.charCodeAt(pos++)]; v = c & 31; mul = 32;
			while (c & 32) { c = V64[str.charCodeAt(pos++)]; v += (c & 31) * mul; mul *= 32; }
			t[i] = v;
		}
		if (pos !== str.length) throw new Error('scorch viewer: bad profile data');
	}

	// The page's packed nodes (viewer.h): LEB128 columns, deflated, in base64. Resolves to
	// json with nodes.cols = {nm, dz, self} (typed arrays) in place of the packed text.
	function leb(u8, pos, n, out) {
		for (var i = 0; i < n; i++) {
			var b = u8[pos++], v = b & 127, mul = 128;
			while (b & 128) { b = u8[pos++]; v += (b & 127) * mul; mul *= 128; }
			out[i] = v;
		}
		return pos;
	}
	function unpack(json) {
		var nodes = json && json.nodes;
		if (!nodes || nodes.deflate === undefined) return Promise.resolve(json);
		if (typeof DecompressionStream === 'undefined')
			return Promise.reject(new Error('scorch viewer: this browser cannot inflate the profile (no DecompressionStream)'));
		var z;
		if (Uint8Array.fromBase64) z = Uint8Array.fromBase64(nodes.deflate);
		else {
			var bin = atob(nodes.deflate);
			z = new Uint8Array(bin.length);
			for (var i = 0; i < bin.length; i++) z[i] = bin.charCodeAt(i);
		}
		var stream = new Blob([z]).stream().pipeThrough(new DecompressionStream('deflate'));
		return new Response(stream).arrayBuffer().then(function (buf) {
			var u8 = new Uint8Array(buf), n = nodes.count;
			if (u8.length !== nodes.bytes) throw new Error('scorch viewer: bad profile data');
			var cols = { nm: new Uint32Array(n), dz: new Uint32Array(n), self: new Float64Array(n) };
			var pos = leb(u8, 0, n, cols.nm);
			pos = leb(u8, pos, n, cols.dz);
			if (leb(u8, pos, n, cols.self) !== u8.length) throw new Error('scorch viewer: bad profile data');
			var out = {};
			for (var k in json) out[k] = json[k];
			out.nodes = { count: n, cols: cols };
			return out;
		});
	}

	function Tree(json) {
		var n = json.nodes.count, cols = json.nodes.cols;
		this.json = json;
		this.names = json.names;
		this.hot = new Int16Array(json.names.length).fill(-1); // hot palette index per name
		this.labels = new Map();                                // cut labels (Viewer.label)
		this.scale = json.scale || 1;
		this.unit = json.unit || 'samples';
		this.n = n;
		this.pad = null;                                        // a coarse copy's (below)
		if (cols) { // self values: totals are summed below
			this.nm = cols.nm;
			this.dep = new Uint32Array(cols.dz);
			this.tot = new Float64Array(cols.self);
		} else if (json.nodes.name) { // a page's coarse copy: plain arrays
			this.nm = Uint32Array.from(json.nodes.name);
			this.dep = Uint32Array.from(json.nodes.dz);
			this.tot = Float64Array.from(json.nodes.total);
			// (node, value) pairs: frames left out just before a node (its left edge moves right)
			var pad = json.nodes.pad;
			if (pad && pad.length) {
				this.pad = new Float64Array(n);
				for (var q = 0; q + 1 < pad.length; q += 2) this.pad[pad[q]] = pad[q + 1];
			}
		} else {
			this.nm = new Uint32Array(n);
			this.dep = new Uint32Array(n);
			this.tot = new Float64Array(n);
			unpack3(json.nodes.data, n, this.nm, this.dep, this.tot);
		}
		var par = this.par = new Int32Array(n), end = this.end = new Uint32Array(n);
		// the open ancestors: stack[d] is the node at depth d on the current path
		var stack = new Int32Array(n + 1), maxd = 0, prev = -1, dep = this.dep;
		for (var i = 0; i < n; i++) {
			var z = dep[i], d = prev + 1 + ((z & 1) ? -((z + 1) >>> 1) : z >>> 1);
			dep[i] = d;
			for (var e = prev; e >= d; e--) end[stack[e]] = i;
			prev = d;
			if (d > maxd) maxd = d;
			par[i] = d > 0 ? stack[d - 1] : -1;
			stack[d] = i;
		}
		for (var e2 = prev; e2 >= 0; e2--) end[stack[e2]] = n;
		this.maxDepth = maxd;
		if (cols) for (var s = n - 1; s > 0; s--) this.tot[par[s]] += this.tot[s];
		this.tl = null;
		var tl = json.timeline;
		if (tl) {
			var b = new Uint32Array(tl.count), tn = new Uint32Array(tl.count), c = new Float64Array(tl.count);
			unpack3(tl.data, tl.count, b, tn, c);
			for (var j = 1; j < tl.count; j++) b[j] += b[j - 1];
			this.tl = { q: tl.q, end: tl.end, coarsened: tl.coarsened, b: b, n: tn, c: c };
		}
	}
	// Self values of vals (total minus the children's).
	Tree.prototype.selfOf = function (vals) {
		var self = new Float64Array(vals);
		for (var i = 1; i < this.n; i++) self[this.par[i]] -= vals[i];
		return self;
	};
	// The child of node i named name, or -1.
	Tree.prototype.child = function (i, name) {
		for (var c = i + 1; c < this.end[i]; c = this.end[c])
			if (this.names[this.nm[c]] === name) return c;
		return -1;
	};
	Tree.prototype.path = function (i) {
		var p = [];
		for (; i > 0; i = this.par[i]) p.push(this.names[this.nm[i]]);
		return p.reverse();
	};
	Tree.prototype.find = function (path) {
		var i = 0;
		for (var k = 0; k < path.length && i >= 0; k++) i = this.child(i, path[k]);
		return i;
	};
	// Totals of a time range [t0, t1) ms from the timeline (in samples).
	Tree.prototype.rangeValues = function (t0, t1) {
		var tl = this.tl, v = new Float64Array(this.n);
		for (var k = 0; k < tl.b.length; k++) {
			var t = tl.b[k] * tl.q;
			if (t >= t0 && t < t1) v[tl.n[k]] += tl.c[k];
		}
		for (var i = this.n - 1; i > 0; i--) v[this.par[i]] += v[i];
		return v;
	};

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
		this.details = el('div', 'sv-details', ' ');
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

	// Left edges of every node for the current values, in value units (a coarse copy's nodes
	// where its left-out frames would be).
	Viewer.prototype.layout = function () {
		var t = this.t, v = this.vals, xs = new Float64Array(t.n);
		var cur = new Float64Array(t.maxDepth + 2), pad = v === t.tot ? t.pad : null;
		for (var i = 0; i < t.n; i++) {
			var d = t.dep[i];
			if (pad) cur[d] += pad[i];
			xs[i] = cur[d];
			cur[d] += v[i];
			cur[d + 1] = xs[i];
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
		var scale = w / vz, x0 = this.xs[z], xs = this.xs, end = t.end;
		this.nbuf = 0;
		// ancestors of the zoomed frame span the whole width
		for (var a = t.par[z]; a >= 0; a = t.par[a]) this.gather(a, 0, w);
		for (var i = z; i < end[z]; i++) {
			var fw = vals[i] * scale;
			if (fw < MIN_W) { i = end[i] - 1; continue; }
			this.gather(i, (xs[i] - x0) * scale, fw);
		}
		this.fill(g);
		if (z === 0) {
			this.shownRoot = key;
			if (!t.json.partial) this.idle('saveRoot');
		}
		this.drawCrumbs();
		this.placeHighlight();
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
	Viewer.prototype.fill = function (g) {
		var b = this.buf, n = this.nbuf, t = this.t, k;
		var W = this.canvas.width, rows = this.rows, dpr = W / this.width;
		var bc = this.bands || (this.bands = document.createElement('canvas'));
		if (bc.width !== W || bc.height !== rows) {
			bc.width = Math.max(W, 1); bc.height = Math.max(rows, 1);
			this.img = bc.getContext('2d').createImageData(bc.width, bc.height);
			this.px = new Uint32Array(this.img.data.buffer);
		}
		var px = this.px, used = new Uint8Array(rows);
		px.fill(0);
		for (k = 0; k < n; k++) {
			var d = t.dep[b.node[k]], w = b.w[k];
			var x0 = Math.round(b.x[k] * dpr), x1 = Math.round((b.x[k] + (w > 2 ? w - 1 : w)) * dpr);
			if (x1 <= x0) x1 = x0 + 1;
			if (x1 > W) x1 = W;
			px.fill(PIXEL[b.col[k]], d * W + x0, d * W + x1);
			used[d] = 1;
		}
		bc.getContext('2d').putImageData(this.img, 0, 0);
		g.clearRect(0, 0, this.width, rows * ROW);
		g.imageSmoothingEnabled = false;
		for (d = 0; d < rows; d++)
			if (used[d]) g.drawImage(bc, 0, d, W, 1, 0, this.rowY(d), this.width, ROW - 1);
		g.fillStyle = '#000';
		g.font = '12px Verdana, sans-serif';
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
	Viewer.prototype.frameColor = function (i) { return PALETTE[this.colorOf(i)]; };
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

	// ---- search ----
	Viewer.prototype.search = function (term) {
		this.term = term || '';
		this.computeSearch();
		this.redraw();
	};
	Viewer.prototype.computeSearch = function () {
		var t = this.t;
		this.match = null;
		this.matchNodes = null;
		if (!t || !this.term) { this.matchedEl.textContent = ''; this.searchIn.classList.remove('sv-bad'); return; }
		var re;
		try { re = new RegExp(this.term); } catch (e) {
			this.searchIn.classList.add('sv-bad');
			this.matchedEl.textContent = 'Bad regex';
			return;
		}
		this.searchIn.classList.remove('sv-bad');
		var m = new Uint8Array(t.names.length);
		for (var k = 1; k < t.names.length; k++) if (re.test(t.names[k])) m[k] = 1;
		this.match = m;
		// each matched sample counted once: a match inside a matched frame adds nothing
		var z = this.z, sum = 0, nodes = [], v = this.vals;
		for (var i = z; i < t.end[z]; i++) {
			if (v[i] <= 0) { i = t.end[i] - 1; continue; }
			if (m[t.nm[i]]) { sum += v[i]; i = t.end[i] - 1; }
		}
		for (var a = t.par[z]; a >= 0; a = t.par[a]) if (m[t.nm[a]]) sum = v[z];
		for (var j = 1; j < t.n; j++) {
			if (v[j] <= 0) { j = t.end[j] - 1; continue; }
			if (m[t.nm[j]]) nodes.push(j);
		}
		this.matchNodes = nodes;
		if (this.matchAt === undefined || this.matchAt >= nodes.length) this.matchAt = -1;
		var pct = this.vals[z] > 0 ? 100 * sum / this.vals[z] : 0;
		this.matchedEl.textContent = 'Matched: ' + (pct === 100 ? '100' : pct.toFixed(1)) + '%';
	};
	// n / N: zoom to the next (previous) matching frame.
	Viewer.prototype.nextMatch = function (dir) {
		var nodes = this.matchNodes;
		if (!nodes || !nodes.length) return;
		var k = this.matchAt < 0 && dir < 0 ? nodes.length - 1 : (this.matchAt + dir + nodes.length) % nodes.length;
		this.zoomTo(nodes[k]);
		this.matchAt = k;
		this.details.textContent = 'Match ' + (k + 1) + '/' + nodes.length + ': ' + this.describe(nodes[k]);
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

	// ---- top functions ----
	Viewer.prototype.functions = function () {
		var t = this.t, v = this.vals, nn = t.names.length;
		if (!this.self) this.self = t.selfOf(v);
		var self = new Float64Array(nn), total = new Float64Array(nn), onStack = new Uint32Array(nn);
		var stack = [];
		for (var i = 1; i < t.n; i++) {
			if (v[i] <= 0) { i = t.end[i] - 1; continue; }
			while (stack.length && t.end[stack[stack.length - 1]] <= i) onStack[t.nm[stack.pop()]]--;
			var k = t.nm[i];
			self[k] += this.self[i];
			if (!onStack[k]) total[k] += v[i]; // recursion counted once
			onStack[k]++;
			stack.push(i);
		}
		var rows = [];
		for (var k2 = 1; k2 < nn; k2++) if (total[k2] > 0) rows.push({ name: t.names[k2], self: self[k2], total: total[k2] });
		return rows;
	};
	Viewer.prototype.buildTable = function () {
		var self = this, tb = this.table, tot = this.total() || 1;
		var rows = this.functions(), key = this.sort;
		rows.sort(function (a, b) {
			if (key === 'name') return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
			return b[key] - a[key] || (key === 'self' ? b.total - a.total : b.self - a.self) ||
				(a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
		});
		tb.textContent = '';
		var head = el('tr');
		[['self', 'Self'], ['self', 'Self %'], ['total', 'Total'], ['total', 'Total %'], ['name', 'Function']].forEach(function (h) {
			var th = el('th', h[0] === key ? 'sv-sorted' : '', h[1]);
			th.dataset.sort = h[0];
			th.onclick = function () { self.sort = h[0]; self.buildTable(); };
			head.append(th);
		});
		tb.append(head);
		rows.slice(0, TABLE_ROWS).forEach(function (r) {
			var tr = el('tr');
			tr.append(el('td', 'sv-num', self.valueText(r.self)), el('td', 'sv-num', (100 * r.self / tot).toFixed(2) + '%'),
				el('td', 'sv-num', self.valueText(r.total)), el('td', 'sv-num', (100 * r.total / tot).toFixed(2) + '%'),
				el('td', 'sv-name', r.name));
			tr.onclick = function () { self.showFunction(r.name); };
			tb.append(tr);
		});
	};
	// A table row clicked: highlight that function and zoom to its biggest frame.
	Viewer.prototype.showFunction = function (name) {
		var t = this.t, best = -1;
		for (var i = 1; i < t.n; i++) {
			if (this.vals[i] <= 0) { i = t.end[i] - 1; continue; }
			if (t.names[t.nm[i]] === name && (best < 0 || this.vals[i] > this.vals[best])) best = i;
		}
		this.searchIn.value = '^' + escapeRe(name) + '$';
		this.term = this.searchIn.value;
		if (best >= 0 && t.par[best] >= 0) this.zoomTo(t.par[best]); else this.zoomTo(0);
		this.graph.scrollIntoView({ block: 'nearest' });
	};

	// ---- the heatmap (FlameScope): a column per second, a row per 20 ms ----
	Viewer.prototype.buildHeat = function () {
		var tl = this.t.tl;
		if (!tl) { this.heat = null; return; }
		var rowMs = Math.max(tl.q, HEAT_ROWS_MS), rows = Math.ceil(1000 / rowMs);
		var cols = Math.max(1, Math.ceil(Math.max(tl.end, 1) / 1000));
		var cells = new Float64Array(cols * rows), max = 0, sum = 0;
		for (var k = 0; k < tl.b.length; k++) {
			var t = tl.b[k] * tl.q, col = Math.floor(t / 1000);
			if (col >= cols) continue;
			var row = Math.min(rows - 1, Math.floor((t % 1000) / rowMs)), at = col * rows + row;
			cells[at] += tl.c[k];
			sum += tl.c[k];
			if (cells[at] > max) max = cells[at];
		}
		this.heat = { rowMs: rowMs, rows: rows, cols: cols, cells: cells, max: max };
		this.heatTitle.textContent = 'Samples per ' + rowMs + ' ms: a column per second (' + commify(sum) +
			' samples' + (tl.coarsened ? ', coarsened' : '') + '). Drag a range to graph it; c clears.';
	};
	Viewer.prototype.drawHeat = function () {
		var h = this.heat;
		if (!h) return;
		var c = this.heatCanvas, dpr = window.devicePixelRatio || 1;
		var avail = (this.root.clientWidth || 800) - 10;
		var cw = Math.max(4, Math.min(24, Math.floor(avail / h.cols))), ch = Math.max(3, Math.floor(250 / h.rows));
		h.cw = cw; h.ch = ch;
		var w = cw * h.cols, ht = ch * h.rows;
		c.width = w * dpr; c.height = ht * dpr;
		c.style.width = w + 'px'; c.style.height = ht + 'px';
		c.dataset.cols = h.cols; c.dataset.rows = h.rows; c.dataset.cellW = cw; c.dataset.cellH = ch; c.dataset.rowMs = h.rowMs;
		var g = c.getContext('2d');
		g.setTransform(dpr, 0, 0, dpr, 0, 0);
		var sel = this.range || this.dragRange;
		for (var col = 0; col < h.cols; col++) {
			for (var row = 0; row < h.rows; row++) {
				var v = h.cells[col * h.rows + row], f = h.max > 0 ? v / h.max : 0;
				var t = col * 1000 + row * h.rowMs, inSel = sel && t >= sel[0] && t < sel[1];
				if (v === 0) g.fillStyle = inSel ? '#c8d8f0' : '#f4f4f4';
				else if (inSel) g.fillStyle = 'rgb(' + Math.round(120 - 100 * f) + ',' + Math.round(160 - 120 * f) + ',' + Math.round(255 - 60 * f) + ')';
				else g.fillStyle = 'rgb(' + Math.round(255 - 25 * f) + ',' + Math.round(235 - 215 * f) + ',' + Math.round(200 - 190 * f) + ')';
				g.fillRect(col * cw, row * ch, cw - 1, ch - 1);
			}
		}
	};
	Viewer.prototype.heatCell = function (e) {
		var h = this.heat, r = this.heatCanvas.getBoundingClientRect();
		var col = Math.floor((e.clientX - r.left) / h.cw), row = Math.floor((e.clientY - r.top) / h.ch);
		col = Math.max(0, Math.min(h.cols - 1, col));
		row = Math.max(0, Math.min(h.rows - 1, row));
		return col * 1000 + row * h.rowMs;
	};
	Viewer.prototype.cellRange = function (a, b) {
		var lo = Math.min(a, b), hi = Math.max(a, b);
		return [lo, hi + this.heat.rowMs];
	};
	Viewer.prototype.heatDown = function (e) {
		if (!this.heat) return;
		e.preventDefault();
		this.dragFrom = this.heatCell(e);
		this.dragRange = this.cellRange(this.dragFrom, this.dragFrom);
		this.drawHeat();
	};
	Viewer.prototype.heatMove = function (e) {
		if (!this.heat) return;
		var t = this.heatCell(e);
		if (this.dragFrom !== undefined && this.dragFrom !== null) {
			this.dragRange = this.cellRange(this.dragFrom, t);
			this.drawHeat();
		}
		var h = this.heat, col = Math.floor(t / 1000), row = Math.floor((t % 1000) / h.rowMs);
		this.heatCanvas.title = (t / 1000).toFixed(3) + ' s: ' + commify(h.cells[col * h.rows + row]) + ' samples';
	};
	Viewer.prototype.heatUp = function (e) {
		if (this.dragFrom === undefined || this.dragFrom === null) return;
		var r = this.cellRange(this.dragFrom, this.heatCell(e));
		this.dragFrom = null;
		this.dragRange = null;
		this.selectRange(r[0], r[1]);
	};
	// Draws the flame graph of [t0, t1) ms only (null: the whole profile).
	Viewer.prototype.selectRange = function (t0, t1) {
		if (!this.t.tl) return;
		var self = this;
		this.range = t0 === null ? null : [t0, t1];
		this.vals = this.range ? this.t.rangeValues(t0, t1) : this.t.tot;
		this.layout();
		if (this.baseline) this.matchBaseline();
		var z = this.t.find(this.zoomPath);
		this.z = z >= 0 && this.vals[z] > 0 ? z : 0;
		this.computeSearch();
		this.drawHeat();
		this.redraw();
		this.buildTable();
		this.rangeEl.textContent = '';
		if (this.range) {
			this.rangeEl.append(el('span', 'sv-range-text', 'Range ' + (t0 / 1000).toFixed(3) + ' - ' + (t1 / 1000).toFixed(3) +
				' s: ' + commify(this.vals[0]) + ' samples '));
			var b = el('button', 'sv-range-clear', 'Whole profile');
			b.onclick = function () { self.clearRange(); };
			this.rangeEl.append(b);
		}
	};
	Viewer.prototype.clearRange = function () { if (this.range) this.selectRange(null, null); };

	// Live (a profile still being recorded): marks the view; load() is called again with news.
	Viewer.prototype.setLive = function (on) {
		this.opts.live = !!on;
		this.liveEl.textContent = on ? '\u25cf live' : '';
	};

	// ---- differential against a baseline (red grew, blue shrank) ----
	Viewer.prototype.setBaseline = function (json) {
		if (typeof json === 'string') json = JSON.parse(json);
		this.baseline = json ? new Tree(json) : null;
		this.bvals = null;
		if (this.baseline && this.t) this.matchBaseline();
		this.redraw();
		return this;
	};
	// bvals[i] = the baseline's value of the frame with node i's path (0 when absent).
	Viewer.prototype.matchBaseline = function () {
		var t = this.t, b = this.baseline, bi = new Int32Array(t.n), bv = new Float64Array(t.n);
		var kids = new Map();
		for (var j = 1; j < b.n; j++) kids.set(b.par[j] + '\u0000' + b.names[b.nm[j]], j);
		bi[0] = 0;
		bv[0] = b.tot[0];
		for (var i = 1; i < t.n; i++) {
			var p = bi[t.par[i]], k = p < 0 ? undefined : kids.get(p + '\u0000' + t.names[t.nm[i]]);
			bi[i] = k === undefined ? -1 : k;
			bv[i] = k === undefined ? 0 : b.tot[k];
		}
		this.bvals = bv;
		var max = 0, tot = this.total(), btot = b.tot[0];
		for (var q = 1; q < t.n; q++) {
			var d = Math.abs((tot ? this.vals[q] / tot : 0) - (btot ? bv[q] / btot : 0));
			if (d > max) max = d;
		}
		this.maxDelta = max;
	};
	// Change in share of all samples, baseline to now (normalised, as difffolded.pl -n).
	Viewer.prototype.delta = function (i) {
		var tot = this.total(), btot = this.baseline.tot[0];
		return (tot ? this.vals[i] / tot : 0) - (btot ? this.bvals[i] / btot : 0);
	};
	Viewer.prototype.diffIndex = function (i) {
		var d = this.delta(i), f = this.maxDelta > 0 ? Math.min(1, Math.abs(d) / this.maxDelta) : 0;
		var c = Math.round(210 * (1 - f)) + 45 * (f === 0 ? 1 : 0);
		if (d > 0) return RED + c;
		if (d < 0) return BLUE + c;
		return RED + 255; // rgb(255,255,255)
	};
	Viewer.prototype.diffColor = function (i) { return PALETTE[this.diffIndex(i)]; };

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

	return {
		// The offline page's last step: the full profile, packed (unpack), then drawn (when
		// `after` is true, from a later task, so that the coarse copy's frame shows first;
		// inflating runs off the main thread).
		loadPage: function (element, after) {
			var json = function (id) {
				var e = document.getElementById(id);
				return e ? unpack(JSON.parse(e.textContent)) : Promise.resolve(null);
			};
			var go = function () {
				var v = element.scorchViewer || ScorchViewer.create(element, {});
				Promise.all([json('scorch-data'), json('scorch-baseline')]).then(function (d) {
					if (d[1]) v.baseline = new Tree(d[1]);
					v.load(d[0]);
					performance.mark('scorch-viewer-full');
					element.dataset.loaded = 'full';
				}).catch(function (e) {
					v.details.textContent = String(e.message || e);
					element.dataset.loaded = 'error';
					throw e;
				});
			};
			if (after) setTimeout(go, 0); else go();
		},
		// Packed JSON (as the offline page holds it) to JSON load() and setBaseline() take.
		unpack: unpack,
		create: function (element, opts) {
			var v = new Viewer(element, opts);
			element.scorchViewer = v;
			return v;
		},
		Tree: Tree
	};
})();
