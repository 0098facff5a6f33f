// SPDX-License-Identifier: MIT
// The sub-second heatmap (FlameScope): a column per second, a row per 20 ms; a dragged range.

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
