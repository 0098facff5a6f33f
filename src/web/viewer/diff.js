// SPDX-License-Identifier: MIT
// The differential view against a baseline profile (red grew, blue shrank).

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
Viewer.prototype.diffColor = function (i) { return paletteText(this.diffIndex(i)); };
