// SPDX-License-Identifier: MIT
// Times scorch's HTML viewer in headless Chromium: page load to first paint of the profile (the
// page's coarse copy), to the full profile loaded, then the frame time of hovering and zooming
// on the full profile. Prints medians. Usage: node viewer.mjs PAGE.html [RUNS]
// First paint: navigation start to the later of the animation frame after the viewer drew the
// graph and Chromium's first contentful paint (the presentation time of the first frame with
// any content; the viewer builds its toolbar and draws the graph in one task, so that frame
// has the graph).
// Frame time: the event handler's time plus the main thread's rendering of the frame that shows
// it (from that frame's requestAnimationFrame to a task posted from it, which runs once the
// frame is committed): what must stay under 16 ms for 60 frames a second. Event to next frame
// adds the wait for the display's next 16.7 ms tick, so it is 16.7 ms or more by construction.
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
const stages = { script: [], data: [], draw: [], frame: [] };
const paint = [], full = [], hover = [], zoom = [], hoverSync = [], zoomSync = [], hoverFrame = [], zoomFrame = [];
let nodes = 0, drawn = 0;
for (let r = 0; r < runs; r++) {
	const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
	await page.goto('file://' + page_path, { waitUntil: 'load' });
	await page.waitForFunction(() => performance.getEntriesByName('scorch-viewer-painted').length > 0);
	await page.waitForSelector('#scorch-viewer[data-loaded="full"]');
	full.push(await page.evaluate(() => performance.getEntriesByName('scorch-viewer-full')[0].startTime));
	const t = await page.evaluate(() => ({
		script: performance.getEntriesByName('scorch-viewer-script')[0].startTime,
		load: performance.getEntriesByName('scorch-viewer-load')[0].startTime,
		// the first contentful paint (Chromium's paint timing) is the frame with the viewer;
		// the frame's animation callback when that is missing
		painted: Math.max(performance.getEntriesByName('scorch-viewer-painted')[0].startTime,
			(performance.getEntriesByName('first-contentful-paint')[0] || { startTime: 0 }).startTime),
		drawn: performance.getEntriesByName('scorch-viewer-drawn')[0].startTime,
		nodes: document.getElementById('scorch-viewer').scorchViewer.t.n,
		rects: document.getElementById('scorch-viewer').scorchViewer.drawn,
	}));
	paint.push(t.painted);
	stages.script.push(t.script);
	stages.data.push(t.load - t.script);
	stages.draw.push(t.drawn - t.load);
	stages.frame.push(t.painted - t.drawn);
	nodes = t.nodes;
	drawn = t.rects;
	// hover and zoom: each event handled, then the next animation frame (the frame it shows in)
	const f = await page.evaluate(async () => {
		const v = document.getElementById('scorch-viewer').scorchViewer, o = v.overlay;
		const box = o.getBoundingClientRect();
		const out = { hover: [], zoom: [], hoverSync: [], zoomSync: [], hoverFrame: [], zoomFrame: [] };
		// resolves after the next frame is rendered: [rAF time, time the frame was done]
		const frame = () => new Promise(res => requestAnimationFrame(() => {
			const r = performance.now(), ch = new MessageChannel();
			ch.port1.onmessage = () => res([r, performance.now()]);
			ch.port2.postMessage(0);
		}));
		await frame();
		for (let k = 0; k < 40; k++) {
			const x = box.left + (k * 37 % 100) / 100 * box.width, y = box.top + box.height - 8 - (k % 12) * 16;
			const t0 = performance.now();
			o.dispatchEvent(new MouseEvent('mousemove', { clientX: x, clientY: y, bubbles: true }));
			const t1 = performance.now();
			const [r, done] = await frame();
			out.hoverSync.push(t1 - t0);
			out.hoverFrame.push(t1 - t0 + done - r);
			out.hover.push(r - t0);
		}
		for (let k = 0; k < 10; k++) {
			// zoom into a frame a few levels up (wide enough to click), then back out
			const x = box.left + (k * 0.09 + 0.03) * box.width, y = box.top + box.height - 8 - 3 * 16;
			let t0 = performance.now();
			o.dispatchEvent(new MouseEvent('click', { clientX: x, clientY: y, bubbles: true }));
			let t1 = performance.now();
			let [r, done] = await frame();
			out.zoomSync.push(t1 - t0);
			out.zoomFrame.push(t1 - t0 + done - r);
			out.zoom.push(r - t0);
			t0 = performance.now();
			v.zoomTo(0);
			t1 = performance.now();
			[r, done] = await frame();
			out.zoomSync.push(t1 - t0);
			out.zoomFrame.push(t1 - t0 + done - r);
			out.zoom.push(r - t0);
		}
		return out;
	});
	hover.push(...f.hover); zoom.push(...f.zoom); hoverSync.push(...f.hoverSync); zoomSync.push(...f.zoomSync);
	hoverFrame.push(...f.hoverFrame); zoomFrame.push(...f.zoomFrame);
	await page.close();
}
await browser.close();
const ms = v => v.toFixed(1) + ' ms';
console.log(`profile: ${nodes} nodes, ${drawn} frames drawn at 1400 px`);
console.log(`page load to first paint: median ${ms(median(paint))} over ${runs} loads (target <= 300 ms)`);
console.log(`  of which: page start to viewer script ${ms(median(stages.script))}, inline data parsed ${ms(median(stages.data))}, ` +
	`decode + layout + draw ${ms(median(stages.draw))}, to the painted frame ${ms(median(stages.frame))}`);
console.log(`page load to the full profile loaded: median ${ms(median(full))}`);
const p90 = a => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length * 0.9)]; };
console.log(`hover: frame time median ${ms(median(hoverFrame))}, p90 ${ms(p90(hoverFrame))} (target <= 16 ms); ` +
	`handler ${ms(median(hoverSync))}, event to next frame ${ms(median(hover))}`);
console.log(`zoom:  frame time median ${ms(median(zoomFrame))}, p90 ${ms(p90(zoomFrame))} (target <= 16 ms); ` +
	`handler ${ms(median(zoomSync))}, event to next frame ${ms(median(zoom))}`);
