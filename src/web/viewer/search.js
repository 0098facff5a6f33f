// SPDX-License-Identifier: MIT
// Regex search (Matched %, n/N) and the sortable top-functions table.

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
