// SPDX-License-Identifier: MIT
// Times scorch's HTML viewer in headless Chromium: page load to first paint of the profile, then
// the frame time of hovering and zooming. Prints medians. Usage: node viewer.mjs PAGE.html [RUNS]
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// playwright-core is installed for the browser tests (scripts/install-deps.sh)
const here = path.dirname(fileURLToPath(import.meta.url));
const { chromium } = await import(path.join(here, '../tests/browser/node_modules/playwright-core/index.mjs'));

const page_path = process.argv[2], runs = Number(process.argv[3] || 5);
const median = a => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
		'--no-first-run', '--disable-component-update', '--disable-sync'],
});
const paint = [], parse = [], hover = [], zoom = [], hoverSync = [], zoomSync = [];
let nodes = 0, drawn = 0;
for (let r = 0; r < runs; r++) {
	const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
	await page.goto('file://' + page_path, { waitUntil: 'load' });
	await page.waitForFunction(() => performance.getEntriesByName('scorch-viewer-painted').length > 0);
	const t = await page.evaluate(() => ({
		painted: performance.getEntriesByName('scorch-viewer-painted')[0].startTime,
		drawn: performance.getEntriesByName('scorch-viewer-drawn')[0].startTime,
		nodes: document.getElementById('scorch-viewer').scorchViewer.t.n,
		rects: document.getElementById('scorch-viewer').scorchViewer.drawn,
	}));
	paint.push(t.painted);
	nodes = t.nodes;
	drawn = t.rects;
	// hover and zoom: each event handled, then the next animation frame (the frame it shows in)
	const f = await page.evaluate(async () => {
		const v = document.getElementById('scorch-viewer').scorchViewer, o = v.overlay;
		const box = o.getBoundingClientRect(), out = { hover: [], zoom: [], hoverSync: [], zoomSync: [] };
		const frame = () => new Promise(res => requestAnimationFrame(() => res()));
		await frame();
		for (let k = 0; k < 40; k++) {
			const x = box.left + (k * 37 % 100) / 100 * box.width, y = box.top + box.height - 8 - (k % 12) * 16;
			const t0 = performance.now();
			o.dispatchEvent(new MouseEvent('mousemove', { clientX: x, clientY: y, bubbles: true }));
			const t1 = performance.now();
			await frame();
			out.hoverSync.push(t1 - t0);
			out.hover.push(performance.now() - t0);
		}
		for (let k = 0; k < 10; k++) {
			// zoom into a frame a few levels up (wide enough to click), then back out
			const x = box.left + (k * 0.09 + 0.03) * box.width, y = box.top + box.height - 8 - 3 * 16;
			let t0 = performance.now();
			o.dispatchEvent(new MouseEvent('click', { clientX: x, clientY: y, bubbles: true }));
			let t1 = performance.now();
			await frame();
			out.zoomSync.push(t1 - t0);
			out.zoom.push(performance.now() - t0);
			t0 = performance.now();
			v.zoomTo(0);
			t1 = performance.now();
			await frame();
			out.zoomSync.push(t1 - t0);
			out.zoom.push(performance.now() - t0);
		}
		return out;
	});
	hover.push(...f.hover); zoom.push(...f.zoom); hoverSync.push(...f.hoverSync); zoomSync.push(...f.zoomSync);
	await page.close();
}
await browser.close();
const ms = v => v.toFixed(1) + ' ms';
console.log(`profile: ${nodes} nodes, ${drawn} frames drawn at 1400 px`);
console.log(`page load to first paint: median ${ms(median(paint))} over ${runs} loads (target <= 300 ms)`);
console.log(`hover: handler median ${ms(median(hoverSync))}, event to next frame median ${ms(median(hover))} (target <= 16 ms)`);
console.log(`zoom:  handler median ${ms(median(zoomSync))}, event to next frame median ${ms(median(zoom))} (target <= 16 ms)`);
