// SPDX-License-Identifier: MIT
// The profile as typed arrays: the page's packed copies decoded, the node tree (Tree).

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
	// hot palette index per name (-1: not hashed yet; a coarse copy brings its own)
	this.hot = json.hot ? Int16Array.from(json.hot) : new Int16Array(json.names.length).fill(-1);
	this.labels = new Map();                                // cut labels (Viewer.label)
	this.scale = json.scale || 1;
	this.unit = json.unit || 'samples';
	this.n = n;
	this.x = null; // a coarse copy's left edges (below)
	if (cols) { // self values: totals are summed below
		this.nm = cols.nm;
		this.dep = new Uint32Array(cols.dz);
		this.tot = new Float64Array(cols.self);
	} else if (json.nodes.name) { // a page's coarse copy: plain arrays
		this.nm = Uint32Array.from(json.nodes.name);
		this.dep = Uint32Array.from(json.nodes.dz);
		this.tot = Float64Array.from(json.nodes.total);
		// (node, value) pairs: frames left out just before a node (its left edge moves right)
		// left edges in value units, where the full graph has them (frames left out before
		// a node among its siblings move it right): laid out by the page's writer
		if (json.nodes.x) this.x = Float64Array.from(json.nodes.x);
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
