// SPDX-License-Identifier: MIT
// Drives scorch serve's page in headless Chromium (Debian's, through playwright-core) as a
// user would: open the printed URL, search and pick the workload, start a profile, watch its
// hot function appear live, zoom, search, then download the SVG.
// Usage: node serve_test.mjs URL WORKLOAD_PID OUTDIR. Prints "ok - " / "not ok - " lines.
import fs from 'node:fs';
import { check, launch, done } from './lib.mjs';

const [url, wpid, outdir] = process.argv.slice(2);

const browser = await launch();
try {
	const ctx = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
	const page = await ctx.newPage();
	const errors = [];
	page.on('pageerror', e => errors.push(String(e)));
	await page.goto(url);
	check('the token URL lands on the bare page', new URL(page.url()).search === '', page.url());
	const cookies = await ctx.cookies();
	const c = cookies.find(k => k.name === 'scorch_token');
	check('the session cookie is HttpOnly and SameSite=Strict', c && c.httpOnly && c.sameSite === 'Strict', JSON.stringify(c));
	check('document.cookie cannot read the token', (await page.evaluate(() => document.cookie)) === '');

	const row = page.locator(`#proc-table tbody tr[data-pid="${wpid}"]`);
	await row.waitFor({ timeout: 10000 });
	check('the process picker lists the workload', await row.count() === 1);
	await page.fill('#proc-search', 'cpu_spl');
	const shown = await page.locator('#proc-table tbody tr').evaluateAll(rs => rs.map(r => r.children[2].textContent));
	check('the search box filters the list', shown.length >= 1 && shown.every(n => /cpu_spl/i.test(n)), shown.slice(0, 5).join(','));
	await row.click();
	check('picking fills the form', (await page.inputValue('#f-pids')) === String(wpid), await page.inputValue('#f-pids'));
	await page.fill('#f-seconds', '6');
	await page.fill('#f-hz', '499');
	await page.click('#start');
	await page.waitForURL(/#\/profile\/\d+$/, { timeout: 10000 });
	const id = page.url().match(/profile\/(\d+)$/)[1];
	check('start opens the live view', !!id);

	// hot_function appears while the profile still runs
	const t0 = Date.now();
	let liveHit = null;
	while (Date.now() - t0 < 15000) {
		liveHit = await page.evaluate(() => {
			const v = document.getElementById('viewer').scorchViewer;
			return v && v.t && v.locate('hot_function') ? document.getElementById('prof-status').textContent : null;
		});
		if (liveHit) break;
		await page.waitForTimeout(200);
	}
	check('hot_function appears live', liveHit && liveHit.startsWith('running'), liveHit);
	const names = await page.locator('#viewer .sv-table td.sv-name').allTextContents();
	check('the top-functions table leads with hot_function', names[0] === 'hot_function', names.slice(0, 3).join(','));

	await page.waitForFunction(() => /^done/.test(document.getElementById('prof-status').textContent), null, { timeout: 20000 });
	check('the status turns done at the end', true);
	const status = await page.textContent('#prof-status');
	const samples = Number((status.match(/(\d+) samples/) || [])[1]);
	check('the page shows the sample count', samples > 100, status);

	// zoom: click the hot function, the breadcrumb names it
	const r = await page.evaluate(() => document.getElementById('viewer').scorchViewer.locate('hot_function'));
	await page.mouse.click(r.x + r.w / 2, r.y + r.h / 2);
	const crumbs = await page.locator('#viewer .sv-crumbs').textContent();
	check('click zooms (breadcrumb ends at hot_function)', /hot_function\s*$/.test(crumbs), crumbs);
	await page.fill('#viewer .sv-search', '^(hot|warm)_function$');
	await page.keyboard.press('Enter');
	await page.waitForTimeout(300);
	const matched = await page.textContent('#viewer .sv-matched');
	const pct = Number((matched.match(/([\d.]+)%/) || [])[1]);
	check('search shows the matched share (hot + warm: about 90%)', pct > 75 && pct <= 100, matched);

	// the sub-second heatmap of the run: drag a range, the graph shows just that range
	const heat = await page.locator('#viewer .sv-heat-canvas').boundingBox();
	if (heat && heat.width > 20) {
		await page.mouse.move(heat.x + heat.width * 0.2, heat.y + heat.height / 2);
		await page.mouse.down();
		await page.mouse.move(heat.x + heat.width * 0.6, heat.y + heat.height / 2, { steps: 5 });
		await page.mouse.up();
		const range = await page.locator('#viewer .sv-range-text').textContent({ timeout: 3000 }).catch(() => '');
		const rs = Number((range.match(/: ([\d,]+) samples/) || [])[1]?.replace(/,/g, ''));
		check('a heatmap range selects part of the samples', rs > 0 && rs < samples, range);
		await page.click('#viewer .sv-range-clear');
	} else {
		check('the live profile has a heatmap', false, JSON.stringify(heat));
	}

	// download the SVG through the page's link
	const [dl] = await Promise.all([
		page.waitForEvent('download'),
		page.click('#prof-downloads a[data-ext="svg"]'),
	]);
	const svgPath = `${outdir}/download.svg`;
	await dl.saveAs(svgPath);
	const svg = fs.readFileSync(svgPath, 'utf8');
	check('the downloaded SVG is a flame graph of the profile', /<title>hot_function \(/.test(svg) &&
		svg.includes(`<title>all (${samples.toLocaleString('en-US')} samples, 100%)`), svg.slice(0, 200));
	check('the download is named after the profile', dl.suggestedFilename() === `scorch-${id}.svg`, dl.suggestedFilename());

	// history lists it
	await page.click('#nav-history');
	await page.locator(`#history tbody tr[data-id="${id}"]`).waitFor({ timeout: 5000 });
	const hist = await page.locator(`#history tbody tr[data-id="${id}"]`).textContent();
	check('history lists the profile as done', /done/.test(hist), hist);

	// a second profile, drawn live against the first as its baseline, then the diff page
	const id2 = await page.evaluate(async wp => {
		const r = await fetch('/api/profiles', { method: 'POST', headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ pids: [wp], seconds: 5, hz: 499 }) });
		return (await r.json()).id;
	}, Number(wpid));
	await page.goto(`${new URL(page.url()).origin}/#/profile/${id2}`);
	await page.locator(`#prof-baseline option[value="${id}"]`).waitFor({ state: 'attached', timeout: 5000 });
	await page.selectOption('#prof-baseline', String(id));
	await page.waitForFunction(() => { const v = document.getElementById('viewer').scorchViewer; return v && v.baseline && v.t; }, null, { timeout: 10000 });
	const liveDiff = await page.textContent('#prof-status');
	check('a finished profile pins as the live baseline', /^running/.test(liveDiff), liveDiff);
	await page.waitForFunction(() => /^done/.test(document.getElementById('prof-status').textContent), null, { timeout: 20000 });
	await page.goto(`${new URL(page.url()).origin}/#/diff?a=${id}&b=${id2}`);
	await page.waitForFunction(() => { const v = document.getElementById('diff-viewer').scorchViewer; return v && v.baseline && v.t && v.locate('hot_function'); }, null, { timeout: 10000 });
	check('the diff page draws the second profile against the first', true);
	const [dd] = await Promise.all([page.waitForEvent('download'), page.click('#diff-svg')]);
	await dd.saveAs(`${outdir}/diff.svg`);
	const dsvg = fs.readFileSync(`${outdir}/diff.svg`, 'utf8');
	check('the diff SVG downloads', /<title>hot_function \(/.test(dsvg) && dd.suggestedFilename() === `scorch-diff-${id}-${id2}.svg`, dd.suggestedFilename());
	check('no page errors', errors.length === 0, errors.join(' | '));
} finally {
	await done(browser);
}
