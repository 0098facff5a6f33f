// SPDX-License-Identifier: MIT
// Times scorch's HTML viewer in headless Chromium: page load to first paint of the profile (the
// page's coarse copy), to the full profile loaded, then the frame time of hovering and zooming
// on the full profile. Prints medians and 90th percentiles.
// Usage: node viewer.mjs PAGE.html[,PAGE2.html...] [RUNS]
// A PAGE may be scorch serve's token URL with '#/profile/ID' added: its first paint is the
// animation frame after the viewer drew the profile (the page's own chrome comes earlier).
// Several pages (say the same profile written by two builds) are loaded in turn, run by run,
// in one browser, so that they share the machine's load and can be compared.
// First paint: navigation start to the later of the animation frame after the viewer drew the
// graph and Chromium's first contentful paint (the presentation time of the first frame with
// any content; the viewer builds its toolbar and draws the graph in one task, so that frame
// has the graph). A load whose first contentful paint came before the graph was drawn would
// not be measuring the graph: such loads are counted and reported.
// Frame time: the event handler's time plus the main thread's rendering of the frame that shows
// it (from that frame's requestAnimationFrame to a task posted from it, which runs once the
// frame is committed): what must stay under 16 ms for 60 frames a second. Event to next frame
// adds the wait for the display's next 16.7 ms tick, so it is 16.7 ms or more by construction.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// playwright-core is installed for the browser tests (scripts/install-deps.sh)
const here = path.dirname(fileURLToPath(import.meta.url));
const { chromium } = await import(path.join(here, '../tests/browser/node_modules/playwright-core/index.mjs'));

const pages = process.argv[2].split(','), runs = Number(process.argv[3] || 5);
const sorted = a => [...a].sort((x, y) => x - y);
const median = a => sorted(a)[Math.floor(a.length / 2)];
const p90 = a => sorted(a)[Math.min(a.length - 1, Math.floor(a.length * 0.9))];
// Chromium's headless mode loads the omnibox popup's WebUI (a "WebUI Top Renderer" process)
// for every new window: ~1 s of CPU while each page loads, on this 2-CPU machine more than the
// page itself uses. A user's browser has it loaded already: it is turned off
// (WEBUI_POPUP=1 keeps it, as measured before).
const noPopup = process.env.WEBUI_POPUP ? [] : ['--disable-features=WebUIOmniboxPopup'];
const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
		'--no-first-run', '--disable-component-update', '--disable-sync', ...noPopup],
});

function newStats() {
	return {
		script: [], data: [], draw: [], frame: [], paint: [], full: [], early: 0,
		hover: [], zoom: [], hoverSync: [], zoomSync: [], hoverFrame: [], zoomFrame: [], nodes: 0, drawn: 0,
	};
}

async function loadOnce(page_path, s) {
	const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
	// scorch serve: its token URL, opening the profile given after '#'
	const served = /^https?:/.test(page_path);
	await page.goto(served ? page_path : 'file://' + page_path, { waitUntil: 'load' });
	await page.waitForFunction(() => performance.getEntriesByName('scorch-viewer-painted').length > 0 &&
		performance.getEntriesByName('first-contentful-paint').length > 0);
	await page.waitForSelector('[data-loaded="full"]', { timeout: 60000 });
	const t = await page.evaluate(() => {
		const at = n => performance.getEntriesByName(n)[0].startTime;
		const v = (document.getElementById('scorch-viewer') || document.getElementById('viewer')).scorchViewer;
		return {
			script: at('scorch-viewer-script'), load: at('scorch-viewer-load'), drawn: at('scorch-viewer-drawn'),
			painted: at('scorch-viewer-painted'), fcp: at('first-contentful-paint'), full: at('scorch-viewer-full'),
			nodes: v.t.n, rects: v.drawn,
		};
	});
	// (serve's page paints its own chrome before it has a profile to draw)
	const painted = served ? t.painted : Math.max(t.painted, t.fcp);
	if (!served && t.fcp < t.drawn) s.early++;
	s.paint.push(painted);
	s.full.push(t.full);
	s.script.push(t.script);
	s.data.push(t.load - t.script);
	s.draw.push(t.drawn - t.load);
	s.frame.push(painted - t.drawn);
	s.nodes = t.nodes;
	s.drawn = t.rects;
	// hover and zoom: each event handled, then the next animation frame (the frame it shows in)
	const f = await page.evaluate(async () => {
		const v = (document.getElementById('scorch-viewer') || document.getElementById('viewer')).scorchViewer, o = v.overlay;
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
	for (const k of ['hover', 'zoom', 'hoverSync', 'zoomSync', 'hoverFrame', 'zoomFrame']) s[k].push(...f[k]);
	await page.close();
}

const stats = pages.map(newStats);
for (let r = 0; r < runs; r++)
	for (let i = 0; i < pages.length; i++) await loadOnce(pages[i], stats[i]);
await browser.close();

const ms = v => v.toFixed(1) + ' ms';
pages.forEach((p, i) => {
	const s = stats[i];
	if (pages.length > 1) console.log(`== ${p.replace(/token=[^#]*/, 'token=...')}`);
	console.log(`profile: ${s.nodes} nodes, ${s.drawn} frames drawn at 1400 px`);
	console.log(`page load to first paint: median ${ms(median(s.paint))}, p90 ${ms(p90(s.paint))} over ${runs} loads (target <= 300 ms)`);
	console.log(`  of which (medians): page start to viewer script ${ms(median(s.script))}, coarse copy parsed ${ms(median(s.data))}, ` +
		`decode + layout + draw ${ms(median(s.draw))}, to the painted frame ${ms(median(s.frame))}`);
	if (s.early) console.log(`  WARNING: ${s.early} load(s) had a contentful paint before the graph was drawn`);
	console.log(`page load to the full profile loaded: median ${ms(median(s.full))}`);
	console.log(`hover: frame time median ${ms(median(s.hoverFrame))}, p90 ${ms(p90(s.hoverFrame))} (target <= 16 ms); ` +
		`handler ${ms(median(s.hoverSync))}, event to next frame ${ms(median(s.hover))}`);
	console.log(`zoom:  frame time median ${ms(median(s.zoomFrame))}, p90 ${ms(p90(s.zoomFrame))} (target <= 16 ms); ` +
		`handler ${ms(median(s.zoomSync))}, event to next frame ${ms(median(s.zoom))}`);
});
