"use strict";
var frames, details, unzoombtn, searchbtn, icbtn, matchedtxt, svgw;
var term = null, icase = false, zoomed = null;
function init(evt) {
	frames = document.getElementById("frames");
	details = document.getElementById("details").firstChild;
	unzoombtn = document.getElementById("unzoom");
	searchbtn = document.getElementById("search");
	icbtn = document.getElementById("ignorecase");
	matchedtxt = document.getElementById("matched");
	svgw = document.documentElement.width.baseVal.value;
	var q = getparams();
	if (q.i == "1") set_icase(true);
	if (q.x && q.y) {
		var r = frames.querySelector('rect[x="' + q.x + '"][y="' + q.y + '"]');
		if (r) zoom(r.parentNode);
	}
	if (q.s) search(q.s);
}
function frame_of(el) {
	while (el && el.parentNode && el.parentNode !== frames) el = el.parentNode;
	return el && el.parentNode === frames ? el : null;
}
function info(g) { return g.querySelector("title").textContent; }
function fname(g) { return info(g).replace(/ \([^(]*\)$/, ""); }
function getparams() {
	var out = {}, parts = window.location.search.substring(1).split("&");
	for (var i = 0; i < parts.length; i++) {
		var kv = parts[i].split("=");
		if (kv[0] && kv[1]) out[kv[0]] = decodeURIComponent(kv[1]);
	}
	return out;
}
function setparams(q) {
	var s = [];
	for (var k in q) if (q[k] != null) s.push(k + "=" + encodeURIComponent(q[k]));
	var url = s.length ? "?" + s.join("&") : window.location.pathname;
	try { history.replaceState(null, null, url); } catch (e) {}
}
function geom(g) {
	var r = g.querySelector("rect");
	if (r.ox === undefined) {
		r.ox = parseFloat(r.getAttribute("x"));
		r.ow = parseFloat(r.getAttribute("width"));
		r.oxs = r.getAttribute("x");
	}
	return r;
}
function label(g, x, w) {
	var r = g.querySelector("rect"), t = g.querySelector("text");
	var chars = Math.floor(w / (FONTSIZE * FONTWIDTH)), name = fname(g), txt = "";
	if (chars >= 3) {
		txt = name.substring(0, chars);
		if (chars < name.length) txt = txt.substring(0, chars - 2) + "..";
	}
	if (!t) {
		if (!txt) return;
		t = document.createElementNS("http://www.w3.org/2000/svg", "text");
		var y = parseFloat(r.getAttribute("y")) + parseFloat(r.getAttribute("height")) / 2 + 3;
		t.setAttribute("y", y);
		g.appendChild(t);
	}
	t.setAttribute("x", (x + 3).toFixed(2));
	t.textContent = txt;
}
function place(g, x, w) {
	var r = g.querySelector("rect");
	r.setAttribute("x", x.toFixed(1));
	r.setAttribute("width", w.toFixed(1));
	label(g, x, w);
}
function zoom(g) {
	var z = geom(g), zx = z.ox, zw = z.ow, zy = parseFloat(z.getAttribute("y"));
	var full = svgw - 2 * XPAD, ratio = full / zw, eps = 0.0001;
	unzoom(true);
	zoomed = g;
	unzoombtn.classList.remove("hide");
	var all = frames.children;
	for (var i = 0; i < all.length; i++) {
		var e = all[i], r = geom(e), ex = r.ox, ew = r.ow, ey = parseFloat(r.getAttribute("y"));
		var above = INVERTED ? ey < zy : ey > zy;
		if (above) {
			if (ex <= zx + eps && ex + ew + eps >= zx + zw) {
				e.classList.add("parent");
				place(e, XPAD, full);
			} else {
				e.classList.add("hide");
			}
		} else if (ex + eps >= zx && ex + ew <= zx + zw + eps) {
			place(e, XPAD + (ex - zx) * ratio, ew * ratio);
		} else {
			e.classList.add("hide");
		}
	}
	var q = getparams();
	q.x = z.oxs;
	q.y = z.getAttribute("y");
	setparams(q);
	if (term !== null) search(term);
}
function unzoom(keepurl) {
	var all = frames.children;
	for (var i = 0; i < all.length; i++) {
		var e = all[i];
		if (!e.classList.contains("hide") && !e.classList.contains("parent") && !zoomed) continue;
		e.classList.remove("hide");
		e.classList.remove("parent");
		var r = geom(e);
		place(e, r.ox, r.ow);
	}
	zoomed = null;
	unzoombtn.classList.add("hide");
	if (!keepurl) {
		var q = getparams();
		delete q.x;
		delete q.y;
		setparams(q);
		if (term !== null) search(term);
	}
}
function set_icase(v) {
	icase = v;
	if (icase) icbtn.classList.add("show"); else icbtn.classList.remove("show");
}
function clear_search() {
	var rs = frames.querySelectorAll("rect");
	for (var i = 0; i < rs.length; i++)
		if (rs[i].ofill !== undefined) { rs[i].setAttribute("fill", rs[i].ofill); delete rs[i].ofill; }
}
function reset_search() {
	clear_search();
	term = null;
	searchbtn.classList.remove("show");
	searchbtn.firstChild.nodeValue = "Search";
	matchedtxt.classList.add("hide");
	matchedtxt.firstChild.nodeValue = " ";
	var q = getparams();
	delete q.s;
	delete q.i;
	setparams(q);
}
function search_prompt() {
	if (term !== null) { reset_search(); return; }
	var t = prompt("Search for a function (regular expression)" + (icase ? ", ignoring case" : "") +
		"\nCtrl-I toggles case sensitivity", "");
	if (t) search(t);
}
function search(t) {
	var re;
	try { re = new RegExp(t, icase ? "i" : ""); } catch (e) { alert("Bad regular expression: " + e.message); return; }
	clear_search();
	term = t;
	var all = frames.children, spans = [], total = 0;
	for (var i = 0; i < all.length; i++) {
		var g = all[i], r = geom(g);
		if (r.ow > total) total = r.ow;
		if (g.classList.contains("hide")) continue;
		if (re.test(fname(g))) {
			r.ofill = r.getAttribute("fill");
			r.setAttribute("fill", SEARCHCOLOR);
			spans.push([r.ox, r.ow]);
		}
	}
	/* count each matched sample once: drop frames inside an already counted one */
	spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
	var sum = 0, end = -1;
	for (var j = 0; j < spans.length; j++) {
		if (spans[j][0] + 0.0001 >= end) { sum += spans[j][1]; end = spans[j][0] + spans[j][1]; }
	}
	var base = total;
	if (zoomed) base = geom(zoomed).ow;
	var pct = base ? 100 * sum / base : 0;
	searchbtn.classList.add("show");
	searchbtn.firstChild.nodeValue = "Reset Search";
	matchedtxt.classList.remove("hide");
	matchedtxt.firstChild.nodeValue = "Matched: " + (pct == 100 ? "100" : pct.toFixed(1)) + "%";
	var q = getparams();
	q.s = t;
	if (icase) q.i = "1"; else delete q.i;
	setparams(q);
}
window.addEventListener("click", function (e) {
	var g = frame_of(e.target);
	if (g) {
		/* frames with a --nameattr link follow it only on Ctrl-click */
		if (g.nodeName == "a") { if (e.ctrlKey) return; e.preventDefault(); }
		if (g.classList.contains("parent") && g === frames.firstElementChild) unzoom(); else zoom(g);
		return;
	}
	var id = e.target.id;
	if (id == "unzoom") unzoom();
	else if (id == "search") search_prompt();
	else if (id == "ignorecase") { set_icase(!icase); if (term !== null) search(term); else setparams(getparams()); }
}, false);
window.addEventListener("mouseover", function (e) {
	var g = frame_of(e.target);
	if (g) details.nodeValue = NAMETYPE + " " + info(g);
}, false);
window.addEventListener("mouseout", function (e) {
	if (frame_of(e.target)) details.nodeValue = " ";
}, false);
window.addEventListener("keydown", function (e) {
	if (e.keyCode === 114 || (e.ctrlKey && e.keyCode === 70)) { e.preventDefault(); search_prompt(); }
	else if (e.ctrlKey && e.keyCode === 73) { e.preventDefault(); set_icase(!icase); if (term !== null) search(term); }
}, false);
