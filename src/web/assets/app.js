// SPDX-License-Identifier: MIT
// scorch serve's page logic: hash routes, the process picker, profiles, live updates, diff.
(function () {
	'use strict';
	var FORMATS = ['folded', 'svg', 'html', 'json', 'pb.gz', 'speedscope.json', 'trace.json'];
	var $ = function (id) { return document.getElementById(id); };
	var procs = [], picked = new Set(), liveView = null, diffView = null, es = null, procTimer = null;

	function el(tag, text, cls) {
		var e = document.createElement(tag);
		if (text !== undefined && text !== null) e.textContent = String(text);
		if (cls) e.className = cls;
		return e;
	}
	function flash(msg) {
		$('flash').textContent = msg || '';
	}
	function api(method, path, body) {
		var init = { method: method, credentials: 'same-origin', headers: {} };
		if (body !== undefined) {
			init.body = JSON.stringify(body);
			init.headers['Content-Type'] = 'application/json';
		}
		return fetch(path, init).then(function (r) {
			return r.text().then(function (t) {
				var j = null;
				try { j = t ? JSON.parse(t) : null; } catch (e) { j = null; }
				if (!r.ok) throw new Error((j && j.error) || (r.status + ' ' + r.statusText));
				return j;
			});
		});
	}
	function downloads(id) {
		var span = el('span', null, 'downloads');
		FORMATS.forEach(function (f) {
			var a = el('a', '.' + f, 'dl');
			a.href = '/api/profiles/' + id + '.' + f;
			a.setAttribute('download', 'scorch-' + id + '.' + f);
			a.dataset.ext = f;
			span.append(a);
		});
		return span;
	}

	// ---- process picker ----
	function loadProcs() {
		return api('GET', '/api/processes').then(function (list) {
			procs = list;
			drawProcs();
		}).catch(function (e) { flash('processes: ' + e.message); });
	}
	function drawProcs() {
		var q = $('proc-search').value.trim(), re = null;
		if (q) { try { re = new RegExp(q, 'i'); } catch (e) { re = null; } }
		var body = $('proc-table').tBodies[0], rows = [];
		procs.forEach(function (p) {
			var text = p.pid + ' ' + p.user + ' ' + p.comm + (p.cmdline ? ' ' + p.cmdline : '');
			if (q && !(re ? re.test(text) : text.toLowerCase().indexOf(q.toLowerCase()) >= 0)) return;
			var tr = el('tr');
			tr.dataset.pid = p.pid;
			if (picked.has(p.pid)) tr.className = 'picked';
			var name = el('td', p.comm);
			if (p.cmdline) name.title = p.cmdline;
			tr.append(el('td', p.pid), el('td', p.user), name, el('td', p.cpu.toFixed(1), 'num'));
			rows.push(tr);
		});
		body.replaceChildren.apply(body, rows);
	}
	function pick(pid, add) {
		if (!add) picked.clear();
		if (picked.has(pid) && add) picked.delete(pid); else picked.add(pid);
		$('f-pids').value = Array.from(picked).join(',');
		$('f-all').checked = false;
		drawProcs();
	}
	$('proc-table').addEventListener('click', function (ev) {
		var tr = ev.target.closest('tr');
		if (tr && tr.dataset.pid) pick(Number(tr.dataset.pid), ev.ctrlKey || ev.metaKey);
	});
	$('proc-search').addEventListener('input', drawProcs);
	$('start-form').addEventListener('submit', function (ev) {
		ev.preventDefault();
		var body = {
			seconds: Number($('f-seconds').value), hz: Number($('f-hz').value),
			mode: $('f-mode').value, call_graph: $('f-cg').value
		};
		if ($('f-all').checked) body.all = true;
		else body.pids = $('f-pids').value.split(/[ ,]+/).filter(Boolean).map(Number);
		api('POST', '/api/profiles', body).then(function (r) {
			flash('');
			location.hash = '#/profile/' + r.id;
		}).catch(function (e) { flash(e.message); });
	});

	// ---- history ----
	function loadHistory() {
		return api('GET', '/api/profiles').then(function (list) {
			var body = $('history').tBodies[0], rows = [];
			list.forEach(function (p) {
				var tr = el('tr');
				tr.dataset.id = p.id;
				var link = el('a', p.title);
				link.href = '#/profile/' + p.id;
				var title = el('td');
				title.append(link);
				var dl = el('td');
				dl.append(downloads(p.id));
				var act = el('td'), del = el('button', 'Delete', 'delete');
				del.onclick = function () {
					api('DELETE', '/api/profiles/' + p.id).then(loadHistory).catch(function (e) { flash(e.message); });
				};
				act.append(del);
				tr.append(el('td', p.id), title, el('td', p.state, 'state-' + p.state), el('td', p.samples, 'num'),
					el('td', p.lost, 'num'), el('td', p.elapsed.toFixed(1), 'num'), dl, act);
				rows.push(tr);
			});
			body.replaceChildren.apply(body, rows);
			return list;
		}).catch(function (e) { flash('profiles: ' + e.message); });
	}
	function fillSelect(sel, list, keepEmpty) {
		var cur = sel.value, opts = [];
		if (keepEmpty) { var o = el('option', 'none'); o.value = ''; opts.push(o); }
		list.forEach(function (p) {
			var o = el('option', '#' + p.id + ' ' + p.title + ' (' + p.state + ')');
			o.value = p.id;
			opts.push(o);
		});
		sel.replaceChildren.apply(sel, opts);
		if (cur && Array.prototype.some.call(sel.options, function (o) { return o.value === cur; })) sel.value = cur;
	}

	// ---- one profile, live ----
	function viewJson(id) { return api('GET', '/api/profiles/' + id + '/view'); }
	function showStatus(st) {
		var s = $('prof-status');
		s.textContent = st.state + ' - ' + st.samples + ' samples, ' + st.lost + ' lost, ' + st.elapsed.toFixed(1) + ' s' +
			(st.error ? ' - ' + st.error : '');
		s.className = 'state-' + st.state;
		$('prof-stop').disabled = st.state !== 'running';
	}
	function openProfile(id) {
		closeStream();
		$('prof-title').textContent = 'Profile #' + id;
		$('prof-downloads').replaceChildren(downloads(id));
		var box = $('viewer');
		if (liveView) liveView.destroy();
		box.textContent = '';
		liveView = ScorchViewer.create(box, { live: true });
		var view = liveView, lastSeq = -1, fetching = false;
		// A big profile's coarse copy (its frames of 1/2048 of all or more; 204 when it has no
		// narrower one) is drawn first; the full JSON is asked for once that frame is on its
		// way (or 200 ms later in a hidden tab), as the -o x.html page loads its full copy.
		var first = api('GET', '/api/profiles/' + id + '/view?coarse=1').then(function (j) {
			if (!j || liveView !== view) return;
			view.load(j);
			return new Promise(function (res) {
				requestAnimationFrame(function () { setTimeout(res, 0); });
				setTimeout(res, 200);
			});
		}).catch(function () { });
		function refresh(st) {
			showStatus(st);
			$('prof-title').textContent = '#' + id + ' ' + st.title;
			if (st.seq === lastSeq || fetching || !st.seq) return;
			fetching = true;
			var seq = st.seq;
			first.then(function () { return viewJson(id); }).then(function (j) {
				if (liveView === view) view.load(j);
				if (view.root.dataset.loaded !== 'full') performance.mark('scorch-viewer-full');
				view.root.dataset.loaded = 'full';
				lastSeq = seq;
			}).catch(function () { }).then(function () { fetching = false; });
		}
		api('GET', '/api/profiles/' + id).then(function (st) {
			refresh(st);
			if (st.state !== 'running') return;
			es = new EventSource('/api/profiles/' + id + '/events');
			es.addEventListener('status', function (ev) { refresh(JSON.parse(ev.data)); });
			es.addEventListener('end', function () { closeStream(); });
		}).catch(function (e) { flash(e.message); });
		api('GET', '/api/profiles').then(function (list) {
			fillSelect($('prof-baseline'), list.filter(function (p) { return p.id !== id; }), true);
		});
		$('prof-stop').onclick = function () { api('POST', '/api/profiles/' + id + '/stop').catch(function (e) { flash(e.message); }); };
		$('prof-baseline').onchange = function () {
			var b = $('prof-baseline').value;
			if (!b) { liveView.setBaseline(null); return; }
			viewJson(b).then(function (j) { liveView.setBaseline(j); }).catch(function (e) { flash(e.message); });
		};
	}
	function closeStream() {
		if (es) { es.close(); es = null; }
	}

	// ---- diff of two profiles ----
	function openDiff(a, b) {
		api('GET', '/api/profiles').then(function (list) {
			fillSelect($('diff-a'), list, false);
			fillSelect($('diff-b'), list, false);
			if (a) $('diff-a').value = a;
			if (b) $('diff-b').value = b;
			if (!a && list.length > 1) { $('diff-a').value = list[1].id; $('diff-b').value = list[0].id; }
			if (a && b) drawDiff(a, b);
		});
	}
	function drawDiff(a, b) {
		$('diff-svg').href = '/api/diff?a=' + a + '&b=' + b;
		$('diff-svg').setAttribute('download', 'scorch-diff-' + a + '-' + b + '.svg');
		Promise.all([viewJson(a), viewJson(b)]).then(function (js) {
			var box = $('diff-viewer');
			if (diffView) diffView.destroy();
			box.textContent = '';
			diffView = ScorchViewer.create(box, { live: false });
			diffView.load(js[1]);
			diffView.setBaseline(js[0]);
		}).catch(function (e) { flash(e.message); });
	}
	$('diff-go').onclick = function () {
		location.hash = '#/diff?a=' + $('diff-a').value + '&b=' + $('diff-b').value;
	};

	// ---- routes ----
	function show(name) {
		document.querySelectorAll('.page').forEach(function (p) { p.classList.toggle('shown', p.id === 'page-' + name); });
	}
	function route() {
		var h = location.hash || '#/';
		closeStream();
		if (procTimer) { clearInterval(procTimer); procTimer = null; }
		var m;
		if ((m = /^#\/profile\/(\d+)$/.exec(h))) {
			show('profile');
			openProfile(Number(m[1]));
		} else if (h === '#/history') {
			show('history');
			loadHistory();
		} else if ((m = /^#\/diff(?:\?a=(\d+)&b=(\d+))?$/.exec(h))) {
			show('diff');
			openDiff(m[1], m[2]);
		} else {
			show('home');
			loadProcs();
			procTimer = setInterval(loadProcs, 3000);
		}
	}
	window.addEventListener('hashchange', route);
	route();
})();
