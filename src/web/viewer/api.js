// SPDX-License-Identifier: MIT
// The viewer's public API, ScorchViewer (last of the files the Makefile joins: it returns api).

var api = {
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
