// SPDX-License-Identifier: MIT
// scorch serve's page opening a big stored profile (bench/gen_folded.py 20000, in --store) in
// headless Chromium: the viewer's first drawn frame must come from the coarse copy
// (/view?coarse=1), before the full JSON is loaded, and be the full graph, pixel for pixel
// (the width is under 2,048 px, where every frame the full graph draws is in the coarse copy);
// both must total the folded file's samples (awk's sum, passed in).
// Usage: node serve_store_test.mjs URL TOTAL. Prints "ok - " / "not ok - " lines.
import { check, launch, done } from './lib.mjs';

const [url, total] = [process.argv[2], Number(process.argv[3])];

const browser = await launch();
try {
	const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
	const errors = [];
	page.on('pageerror', e => errors.push(String(e)));
	// the graph's pixels as the viewer draws it first (its 'drawn' mark, at its first load)
	await page.addInitScript(() => {
		const mark = performance.mark.bind(performance);
		performance.mark = name => {
			const box = document.getElementById('viewer');
			if (name === 'scorch-viewer-drawn' && box && box.scorchViewer && !window.scorchFirst) {
				const c = box.querySelector('.sv-flame'), v = box.scorchViewer;
				window.scorchFirst = {
					w: c.width, h: c.height, px: Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data),
					loaded: box.dataset.loaded || '', partial: !!v.t.json.partial, total: v.t.tot[0], nodes: v.t.n,
				};
			}
			return mark(name);
		};
	});
	await page.goto(url);
	const origin = new URL(page.url()).origin;
	const list = await page.evaluate(() => fetch('/api/profiles').then(r => r.json()));
	const id = list.length === 1 ? list[0].id : null;
	check('serve --store lists the stored profile', id !== null && list[0].state === 'done', JSON.stringify(list).slice(0, 200));
	await page.goto(`${origin}/#/profile/${id}`);
	await page.waitForFunction(() => {
		const v = document.getElementById('viewer').scorchViewer;
		return v && v.t && !v.t.json.partial;
	}, null, { timeout: 30000 });
	const r = await page.evaluate(() => {
		const first = window.scorchFirst, box = document.getElementById('viewer'), v = box.scorchViewer;
		const c = box.querySelector('.sv-flame');
		const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		if (!first) return { first: null };
		// the full graph can be taller (deeper frames, too narrow to draw): rows from the bottom
		const off = (c.height - first.h) * c.width * 4;
		let diff = 0, above = 0;
		if (first.w === c.width && first.h <= c.height) {
			for (let i = 0; i < first.px.length; i++) if (first.px[i] !== px[off + i]) diff++;
			for (let i = 0; i < off; i++) if (px[i] !== 0) above++;
		}
		return { fw: first.w, fh: first.h, w: c.width, h: c.height, loaded: first.loaded, partial: first.partial, diff, above,
			firstTotal: first.total, firstNodes: first.nodes, total: v.t.tot[0], nodes: v.t.n, fullPartial: !!v.t.json.partial,
			painted: first.px.some((x, i) => i % 4 === 3 && x !== 0) };
	});
	check('the first drawn frame is the coarse copy, before the full profile', r.partial && r.loaded === '' && r.painted &&
		r.firstNodes < r.nodes, JSON.stringify({ ...r }));
	check('then the full profile replaces it', r.fullPartial === false && r.nodes > r.firstNodes, JSON.stringify(r));
	check('both total the folded file\'s samples (awk)', r.firstTotal === total && r.total === total,
		`${r.firstTotal} / ${r.total}, want ${total}`);
	check('the first paint has every frame the full profile draws, in the same pixels', r.fw === r.w && r.diff === 0 && r.above === 0,
		JSON.stringify(r));
	check('no page errors', errors.length === 0, errors.join(' | '));
} finally {
	await done(browser);
}
