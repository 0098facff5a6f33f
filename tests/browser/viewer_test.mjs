// SPDX-License-Identifier: MIT
// Opens scorch's HTML viewer pages in headless Chromium (playwright-core) and checks what a user
// sees against expectations the shell suite computed from the folded input with awk (passed in
// a JSON file): tooltips, zoom and breadcrumb, search's Matched %, icicle, the top table, the
// heatmap range, the differential colours. Prints "ok - " / "not ok - " lines for tests/run.sh.
import fs from 'node:fs';
import { check, launch, done } from './lib.mjs';

const want = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const num = s => Number(String(s).replace(/,/g, ''));

const browser = await launch();

async function open(path) {
	const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
	const errors = [];
	page.on('pageerror', e => errors.push(String(e)));
	await page.goto('file://' + path);
	await page.waitForSelector('#scorch-viewer[data-loaded="full"]'); // after a coarse first paint
	await page.waitForSelector('.sv-table tr:nth-child(2)');
	return { page, errors };
}
// The widest drawn frame called name: its client rectangle, or null.
const locate = (page, name) => page.evaluate(n => {
	const v = document.getElementById('scorch-viewer').scorchViewer;
	return v.locate(n);
}, name);
// Scrolls the frame into the viewport (a deep graph is taller than the window) and hovers it.
async function hover(page, name) {
	let r = await locate(page, name);
	if (!r) return null;
	if (r.y < 0 || r.y + r.h > 900) {
		await page.evaluate(y => window.scrollBy(0, y - 450), r.y);
		r = await locate(page, name);
	}
	await page.mouse.move(r.x + r.w / 2, r.y + r.h / 2);
	return page.locator('.sv-tip').textContent();
}
// "name (1,234 samples, 12.34%)" -> [name, samples, pct]
function parseTip(t) {
	const m = /^(.*) \(([\d,.]+) (\w+), ([\d.]+)%\)/.exec(t || '');
	return m ? { name: m[1], value: num(m[2]), unit: m[3], pct: Number(m[4]) } : null;
}
const pixel = (page, x, y) => page.evaluate(([x, y]) => {
	const c = document.querySelector('.sv-flame'), r = c.getBoundingClientRect();
	const d = window.devicePixelRatio || 1;
	return Array.from(c.getContext('2d').getImageData(Math.round((x - r.left) * d), Math.round((y - r.top) * d), 1, 1).data);
}, [x, y]);

try {
	// ---- a corpus profile written by scorch flamegraph -o x.html ----
	{
		const { page, errors } = await open(want.corpus_html);
		const graphW = await page.evaluate(() => document.querySelector('.sv-flame').getBoundingClientRect().width);
		const all = parseTip(await hover(page, 'all'));
		check('the root frame shows every sample', all && all.value === want.total && all.pct === 100,
			JSON.stringify(all) + ' want ' + want.total + ' tip ' + await page.locator('.sv-tip').textContent());

		const tip = parseTip(await hover(page, want.frame));
		const pct = (100 * want.frame_count / want.total).toFixed(2);
		check('hover: the tooltip names the frame with its samples and % (awk: count / total)',
			tip && tip.name === want.frame && tip.value === want.frame_count && tip.pct.toFixed(2) === pct,
			`${JSON.stringify(tip)} want ${want.frame} ${want.frame_count} ${pct}%`);
		check('hover: the details line says the same',
			(await page.locator('.sv-details').textContent()).startsWith('Function: ' + want.frame + ' ('));

		// search: the regex's Matched % (each sample once), before zooming
		await page.keyboard.press('Escape');
		await page.mouse.move(1, 1);
		await page.keyboard.press('/');
		check('/ focuses the search box', await page.evaluate(() => document.activeElement.classList.contains('sv-search')));
		await page.keyboard.type(want.regex);
		await page.keyboard.press('Enter');
		const matched = await page.locator('.sv-matched').textContent();
		check('search shows Matched % as flamegraph.pl computes it', matched === `Matched: ${want.matched_pct}%`,
			`${matched} want ${want.matched_pct}%`);
		const f = await locate(page, want.top_self);
		const px = f ? await pixel(page, f.x + f.w / 2, f.y + 8) : [];
		check('search highlights matching frames in magenta', want.top_self_matches
			? px[0] === 230 && px[1] === 0 && px[2] === 230 : !(px[0] === 230 && px[1] === 0 && px[2] === 230), px.join(','));

		// zoom: click the frame; it fills the width, the breadcrumb shows its path
		const r = await locate(page, want.frame);
		await page.mouse.click(r.x + r.w / 2, r.y + r.h / 2);
		const z = await locate(page, want.frame);
		const left = await page.evaluate(() => document.querySelector('.sv-flame').getBoundingClientRect().left);
		check('click zooms: the frame fills the graph width', z && Math.abs(z.w - graphW) < 1 && Math.abs(z.x - left) < 1,
			JSON.stringify(z) + ' width ' + graphW);
		const crumbs = await page.locator('.sv-crumb').allTextContents();
		check('breadcrumb lists the path from all to the frame', crumbs.join(';') === 'all;' + want.frame_path,
			crumbs.join(';') + ' want all;' + want.frame_path);
		const zm = await page.locator('.sv-matched').textContent();
		check('Matched % is relative to the zoomed frame', zm === `Matched: ${want.zoom_matched_pct}%`,
			`${zm} want ${want.zoom_matched_pct}%`);
		const outside = await locate(page, want.outside);
		check('frames outside the zoomed one are not drawn', outside === null, JSON.stringify(outside));
		const tz = parseTip(await hover(page, want.frame));
		check('zoomed tooltip still gives % of all samples', tz && tz.pct.toFixed(2) === pct, JSON.stringify(tz));
		await page.mouse.move(1, 1);
		await page.locator('.sv-crumb').first().click();
		check('clicking the breadcrumb root zooms out', (await page.locator('.sv-crumb').count()) === 1 && (await locate(page, want.outside)) !== null);
		await page.mouse.click(r.x + r.w / 2, r.y + r.h / 2);
		await page.mouse.move(1, 1);
		await page.keyboard.press('Escape');
		check('Esc resets the zoom', (await page.locator('.sv-crumb').count()) === 1);

		// icicle: the root moves from the bottom row to the top row
		const canvasTop = await page.evaluate(() => document.querySelector('.sv-flame').getBoundingClientRect().top);
		const rows = want.max_depth + 1;
		const before = await locate(page, 'all');
		check('flame layout: all is the bottom row', Math.abs(before.y - (canvasTop + (rows - 1) * 16)) < 1,
			`${before.y} vs ${canvasTop} + ${rows - 1} rows`);
		await page.keyboard.press('i');
		const after = await locate(page, 'all');
		check('i (icicle): all is the top row', Math.abs(after.y - canvasTop) < 1, `${after.y} vs ${canvasTop}`);
		await page.locator('.sv-icicle').click();
		check('the Flame button turns it back', Math.abs((await locate(page, 'all')).y - before.y) < 1);

		// the top-functions table
		const first = await page.locator('.sv-table tr').nth(1).locator('td').allTextContents();
		check('top table: first row is the top self function (awk)', first[4] === want.top_self && num(first[0]) === want.top_self_count,
			first.join(' | ') + ` want ${want.top_self} ${want.top_self_count}`);
		await page.locator('.sv-table th', { hasText: /^Total$/ }).click();
		const firstTotal = await page.locator('.sv-table tr').nth(1).locator('td').allTextContents();
		check('top table sorts by total: first row is the widest function (awk)', firstTotal[4] === want.top_total && num(firstTotal[2]) === want.top_total_count,
			firstTotal.join(' | ') + ` want ${want.top_total} ${want.top_total_count}`);
		await page.locator('.sv-table th', { hasText: /^Self$/ }).click();
		await page.locator('.sv-table tr').nth(1).click();
		const hl = await locate(page, want.top_self);
		const hpx = hl ? await pixel(page, hl.x + hl.w / 2, hl.y + 8) : [];
		check('clicking a table row highlights that function', hpx[0] === 230 && hpx[1] === 0 && hpx[2] === 230, hpx.join(','));
		check('and puts it in the search box', (await page.locator('.sv-search').inputValue()) === '^' + want.top_self.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$');
		// the whole profile's view comes back from its saved bitmap: the same pixels as drawn
		await page.mouse.move(1, 1);
		await page.keyboard.press('r');
		const pixels = () => page.evaluate(() => {
			const c = document.querySelector('.sv-flame'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
			let h = 0;
			for (let i = 0; i < d.length; i++) h = (Math.imul(h, 31) + d[i]) | 0;
			return h;
		});
		const root = await pixels();
		const zf = await locate(page, want.frame);
		await page.mouse.click(zf.x + zf.w / 2, zf.y + zf.h / 2);
		await page.mouse.move(1, 1);
		const zoomed = await pixels();
		const zcrumbs = await page.locator('.sv-crumb').count();
		await page.keyboard.press('Escape');
		check('zoom out: the graph is drawn again as before the zoom', zcrumbs > 1 && zoomed !== root && await pixels() === root, 'crumbs ' + zcrumbs);
		await page.keyboard.press('i');
		const icicleRoot = await pixels();
		const zi = await locate(page, want.frame);
		await page.mouse.click(zi.x + zi.w / 2, zi.y + zi.h / 2);
		await page.mouse.move(1, 1);
		const izoomed = await pixels(), icrumbs = await page.locator('.sv-crumb').count();
		await page.keyboard.press('Escape');
		check('zoom out in icicle mode: the icicle graph, not the flame one',
			icrumbs > 1 && izoomed !== icicleRoot && icicleRoot !== root && await pixels() === icicleRoot, 'crumbs ' + icrumbs);
		await page.keyboard.press('i');
		check('no script errors', errors.length === 0, errors.join('; '));
		await page.close();
	}

	// ---- the differential against a baseline, and a live reload keeping the zoom ----
	{
		const { page, errors } = await open(want.diff_after_html);
		const base = fs.readFileSync(want.diff_before_html, 'utf8');
		const json = /id="scorch-data">([^<]*)</.exec(base)[1];
		// the page holds the profile packed (viewer.h): ScorchViewer.unpack reads it
		await page.evaluate(async j => document.getElementById('scorch-viewer').scorchViewer.setBaseline(await ScorchViewer.unpack(JSON.parse(j))), json);
		const grew = await locate(page, 'grew'), shrank = await locate(page, 'shrank');
		const g = await pixel(page, grew.x + grew.w / 2, grew.y + 8), s = await pixel(page, shrank.x + shrank.w / 2, shrank.y + 8);
		check('baseline: the frame that grew is red', g[0] === 255 && g[1] < 100 && g[2] < 100, g.join(','));
		check('baseline: the frame that shrank is blue', s[2] === 255 && s[0] < 100 && s[1] < 100, s.join(','));
		const tip = await hover(page, 'grew');
		check('baseline: the tooltip gives the change in share', /\+40\.00% vs baseline/.test(tip), tip);
		await page.mouse.click(grew.x + grew.w / 2, grew.y + 8);
		await page.evaluate(async j => document.getElementById('scorch-viewer').scorchViewer.load(await ScorchViewer.unpack(JSON.parse(j))), json);
		const reloaded = parseTip(await hover(page, 'grew'));
		check('load() with fresh data redraws the values', reloaded && reloaded.value === 30, JSON.stringify(reloaded));
		const same = await locate(page, 'grew'), sp = await pixel(page, same.x + same.w / 2, same.y + 8);
		check('live diff: fresh data equal to the baseline is drawn unchanged (white)', sp[0] === 255 && sp[1] === 255 && sp[2] === 255, sp.join(','));
		await page.mouse.move(1, 1);
		const crumbs = await page.locator('.sv-crumb').allTextContents();
		check('load() with fresh data keeps the zoom', crumbs.join(';') === 'all;main;grew', crumbs.join(';'));
		check('no script errors (diff)', errors.length === 0, errors.join('; '));
		await page.close();
	}

	// ---- scorch diff BEFORE AFTER -o d.html: the same colours without any script call ----
	{
		const { page, errors } = await open(want.diff_html);
		const grew = await locate(page, 'grew'), shrank = await locate(page, 'shrank');
		const g = await pixel(page, grew.x + grew.w / 2, grew.y + 8), s = await pixel(page, shrank.x + shrank.w / 2, shrank.y + 8);
		check('scorch diff -o x.html: grew is red, shrank is blue', g[0] === 255 && g[1] < 100 && s[2] === 255 && s[0] < 100,
			g.join(',') + ' / ' + s.join(','));
		const tip = parseTip(await hover(page, 'grew'));
		check('scorch diff -o x.html: widths are the after profile (70 of 100)', tip && tip.value === 70 && tip.pct === 70, JSON.stringify(tip));
		check('no script errors (diff page)', errors.length === 0, errors.join('; '));
		await page.close();
	}

	// ---- a page drawn first from a coarse copy, then the full profile ----
	{
		const { page, errors } = await open(want.two_stage_html);
		check('a big profile\'s page draws a coarse copy first', await page.locator('#scorch-coarse').count() === 1);
		const rows = await page.locator('.sv-table tr').evaluateAll(trs => trs.map(tr => Array.from(tr.children).map(td => td.textContent)));
		const tiny = rows.find(r => r[4] === 'tiny');
		check('then the full profile: a frame too narrow for the coarse copy is in the table', tiny && tiny[0] === '1', JSON.stringify(tiny));
		const coarse = await page.evaluate(() => JSON.parse(document.getElementById('scorch-coarse').textContent).names);
		check('the coarse copy leaves the tiny frame out', coarse.includes('big') && !coarse.includes('tiny'), coarse.join(','));
		// zoom into it (as a click on its frame would, when one can see it): it fills the width
		const graphW = await page.evaluate(() => document.querySelector('.sv-flame').getBoundingClientRect().width);
		await page.evaluate(() => { const v = document.getElementById('scorch-viewer').scorchViewer; v.zoomTo(v.t.find(['main', 'tiny'])); });
		const zt = await locate(page, 'tiny');
		check('the full copy\'s tiny frame zooms to the whole width', zt && Math.abs(zt.w - graphW) < 1, JSON.stringify(zt) + ' width ' + graphW);
		const tt = parseTip(await hover(page, 'tiny'));
		check('and its tooltip gives its 1 sample of 100,001', tt && tt.value === 1 && tt.pct.toFixed(2) === '0.00', JSON.stringify(tt));
		const crumbs = await page.locator('.sv-crumb').allTextContents();
		check('the breadcrumb shows all > main > tiny', crumbs.join(';') === 'all;main;tiny', crumbs.join(';'));
		check('no script errors (two stages)', errors.length === 0, errors.join('; '));
		await page.close();
	}

	// ---- the first paint of a big profile is its graph: what the coarse copy draws is what the
	// full profile draws at this width (under 2,048 px), frame for frame ----
	{
		const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
		const errors = [];
		page.on('pageerror', e => errors.push(String(e)));
		// the graph's pixels as the viewer draws it first (its 'drawn' mark), before any later task
		await page.addInitScript(() => {
			const mark = performance.mark.bind(performance);
			performance.mark = name => {
				if (name === 'scorch-viewer-drawn') {
					const c = document.querySelector('.sv-flame');
					window.scorchFirst = {
						w: c.width, h: c.height, px: Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data),
						loaded: document.getElementById('scorch-viewer').dataset.loaded || '',
						partial: !!document.getElementById('scorch-viewer').scorchViewer.t.json.partial,
					};
				}
				return mark(name);
			};
		});
		await page.goto('file://' + want.gen_html);
		await page.waitForSelector('#scorch-viewer[data-loaded="full"]');
		const r = await page.evaluate(() => {
			const first = window.scorchFirst, c = document.querySelector('.sv-flame');
			const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
			// the full graph can be taller (deeper frames, too narrow to draw): rows from the bottom
			const off = (c.height - first.h) * c.width * 4;
			let diff = 0, above = 0;
			if (first.w === c.width && first.h <= c.height) {
				for (let i = 0; i < first.px.length; i++) if (first.px[i] !== px[off + i]) diff++;
				for (let i = 0; i < off; i++) if (px[i] !== 0) above++;
			}
			return { fw: first.w, fh: first.h, w: c.width, h: c.height, loaded: first.loaded, partial: first.partial, diff, above,
				painted: first.px.some((v, i) => i % 4 === 3 && v !== 0) };
		});
		check('a big profile\'s first paint is its coarse copy, drawn before the full profile', r.partial && r.loaded === '' && r.painted, JSON.stringify(r));
		check('the first paint has every frame the full profile draws, in the same pixels', r.fw === r.w && r.diff === 0 && r.above === 0,
			JSON.stringify({ ...r, painted: undefined }));
		check('no script errors (first paint)', errors.length === 0, errors.join('; '));
		await page.close();
	}

	// ---- the heatmap of a recorded two-phase workload ----
	if (want.phases_html) {
		const { page, errors } = await open(want.phases_html);
		const full = await page.locator('.sv-table .sv-name').allTextContents();
		check('heatmap page: the whole profile has both phases', full.includes('phase_one') && full.includes('phase_two'), full.slice(0, 8).join(','));
		const hc = page.locator('.sv-heat-canvas');
		const box = await hc.boundingBox();
		const ds = await hc.evaluate(c => ({ ...c.dataset }));
		check('heatmap: a column per second, 20 ms rows', Number(ds.cols) >= 2 && Number(ds.rows) === 50 && Number(ds.rowMs) === 20, JSON.stringify(ds));
		const cw = Number(ds.cellW), ch = Number(ds.cellH);
		await page.mouse.move(box.x + cw / 2, box.y + ch / 2);
		await page.mouse.down();
		await page.mouse.move(box.x + cw / 2, box.y + ch * 25);
		await page.mouse.move(box.x + cw / 2, box.y + ch * 49.5);
		await page.mouse.up();
		const range = await page.locator('.sv-range-text').textContent();
		check('dragging the first column selects 0-1 s', /^Range 0\.000 - 1\.000 s/.test(range), range);
		const names = await page.locator('.sv-table .sv-name').allTextContents();
		check('the first second graphs phase_one only', names.includes('phase_one') && !names.includes('phase_two'), names.slice(0, 8).join(','));
		const one = await locate(page, 'phase_one');
		check('phase_one is drawn in the range graph', one !== null && one.w > 600, JSON.stringify(one));
		await page.mouse.move(box.x + cw * 1.5, box.y + ch / 2);
		await page.mouse.down();
		await page.mouse.move(box.x + cw * 1.5, box.y + ch * 49.5);
		await page.mouse.up();
		const two = parseTip(await hover(page, 'phase_two')), one2 = await locate(page, 'phase_one');
		check('the second second is mostly phase_two', two && two.pct > 80 && (one2 === null || one2.w < 200), JSON.stringify(two));
		await page.mouse.move(1, 1);
		await page.keyboard.press('c');
		const back = await page.locator('.sv-table .sv-name').allTextContents();
		check('c clears the range', back.includes('phase_one') && back.includes('phase_two'));
		check('no script errors (heatmap)', errors.length === 0, errors.join('; '));
		await page.close();
	} else {
		console.log('skip - heatmap checks: ' + (want.phases_skip || 'no recording'));
	}
} catch (e) {
	check('browser session', false, String(e.stack || e).split('\n').slice(0, 3).join(' | '));
} finally {
	await done(browser);
}
