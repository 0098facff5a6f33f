// SPDX-License-Identifier: MIT
// The viewer's constants and helpers: DOM, numbers, the colour palette.
// First of src/web/viewer/*.js, which the Makefile joins, in the order of its VIEWER_JS, into
// one function: only ScorchViewer (api.js) is global. Embedded in the binary (scripts/embed.py);
// used by -o FILE.html pages and scorch serve.
// API: var v = ScorchViewer.create(element, {live: bool}); v.load(json); v.setBaseline(json|null)
'use strict';
if (window.performance && performance.mark) performance.mark('scorch-viewer-script');

var ROW = 16;          // px per frame row
var MIN_W = 1;         // narrower frames are not drawn (their parent covers them)
var TEXT_W = 24;       // frames narrower than this get no label
var CHAR_W = 7;        // px per label character (12px sans-serif, about)
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
// Frame colours are indices into PIXEL (opaque RGBA as one little-endian 32-bit pixel of
// ImageData; paletteText() gives the CSS text): 0..255 the hot palette (its three random
// values in 8, 8 and 4 steps), then magenta (search matches), then 256 reds and 256 blues
// (diff: rgb(255,c,c) and rgb(c,c,255)).
var HOT = 0, MAGENTA = 256, RED = 257, BLUE = 513, NCOLORS = 769;
var PIXEL = new Uint32Array(NCOLORS);
(function () {
	var n = 0;
	var rgb = function (r, g, b) { PIXEL[n++] = (0xff000000 | b << 16 | g << 8 | r) >>> 0; };
	for (var k = 0; k < 256; k++) {
		var v1 = (k & 31) / 31, v2 = ((k >>> 5) & 1) / 1, v3 = (k >>> 6) / 3;
		rgb(205 + Math.round(50 * v3), Math.round(230 * v1), Math.round(55 * v2));
	}
	rgb(230, 0, 230);
	for (var c = 0; c < 256; c++) rgb(255, c, c);
	for (c = 0; c < 256; c++) rgb(c, c, 255);
})();
// CSS text of colour index k (made when asked: the first paint needs none).
function paletteText(k) {
	var p = PIXEL[k];
	return 'rgb(' + (p & 255) + ',' + (p >>> 8 & 255) + ',' + (p >>> 16 & 255) + ')';
}
function hotIndex(name) { return hash(name) & 255; }
