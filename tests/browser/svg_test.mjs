// SPDX-License-Identifier: MIT
// Opens a scorch SVG in headless Chromium (Debian's, driven by playwright-core) and checks
// what a user does with it: hover, click to zoom, reset, Ctrl-F search, case toggle, and the
// zoom and search kept in the URL. Prints "ok - " / "not ok - " lines for tests/run.sh.
import http from 'node:http';
import fs from 'node:fs';
import { check, launch, done } from './lib.mjs';

const svgPath = process.argv[2];
const svg = fs.readFileSync(svgPath);

const server = http.createServer((req, res) => {
	res.writeHead(200, { 'Content-Type': 'image/svg+xml' });
	res.end(svg);
});
await new Promise(r => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/graph.svg`;

const browser = await launch();
try {
	const page = await browser.newPage();
	const errors = [];
	page.on('pageerror', e => errors.push(String(e)));
	await page.goto(base);
	const frame = name => page.locator('#frames > g', { has: page.locator(`title:text-matches("^${name} \\\\(")`) }).first();
	const rectAttr = async (name, a) => frame(name).locator('rect').getAttribute(a);
	const isHidden = async name => (await frame(name).getAttribute('class') || '').includes('hide');

	check('SVG loads with its frames', await page.locator('#frames > g').count() === 5);

	await frame('b').locator('rect').hover();
	check('hover shows the frame details', (await page.locator('#details').textContent()) === 'Function: b (30 samples, 30.00%)',
		await page.locator('#details').textContent());

	await frame('a').locator('rect').click();
	check('click zooms: the frame fills the width', (await rectAttr('a', 'x')) === '10.0' && (await rectAttr('a', 'width')) === '1180.0',
		`${await rectAttr('a', 'x')} ${await rectAttr('a', 'width')}`);
	check('click zooms: children scale with it', (await rectAttr('b', 'x')) === '305.0' && (await rectAttr('b', 'width')) === '885.0',
		`${await rectAttr('b', 'x')} ${await rectAttr('b', 'width')}`);
	check('click zooms: frames outside are hidden', await isHidden('c'));
	check('click zooms: ancestors become parents', ((await frame('main').getAttribute('class')) || '').includes('parent'));
	check('Reset Zoom appears', !((await page.locator('#unzoom').getAttribute('class')) || '').includes('hide'));
	check('zoom is kept in the URL', /[?&]x=10\.0&y=53/.test(page.url()), page.url());
	check('zoomed label is redrawn', (await frame('b').locator('text').textContent()) === 'b');

	await page.locator('#unzoom').click();
	check('Reset Zoom restores the layout', (await rectAttr('a', 'width')) === '472.0' && !(await isHidden('c')),
		await rectAttr('a', 'width'));
	check('reset clears the zoom from the URL', !/[?&]x=/.test(page.url()), page.url());

	page.once('dialog', d => d.accept('^[bc]$'));
	await page.keyboard.press('Control+f');
	await page.waitForFunction(() => document.getElementById('matched').textContent.startsWith('Matched'));
	check('Ctrl-F search shows Matched %', (await page.locator('#matched').textContent()) === 'Matched: 90.0%',
		await page.locator('#matched').textContent());
	check('matches are highlighted', (await rectAttr('b', 'fill')) === 'rgb(230,0,230)' && (await rectAttr('a', 'fill')) !== 'rgb(230,0,230)');
	check('search is kept in the URL', page.url().includes('s=%5E%5Bbc%5D%24'), page.url());

	await page.locator('#search').click(); // "Reset Search"
	check('Reset Search restores colours', (await rectAttr('b', 'fill')) === 'rgb(230,117,28)', await rectAttr('b', 'fill'));

	await page.locator('#ignorecase').click();
	page.once('dialog', d => d.accept('^C$'));
	await page.keyboard.press('Control+f');
	await page.waitForFunction(() => document.getElementById('matched').textContent.startsWith('Matched'));
	check('case toggle: ^C$ matches c', (await page.locator('#matched').textContent()) === 'Matched: 60.0%',
		await page.locator('#matched').textContent());

	const page2 = await browser.newPage();
	await page2.goto(`${base}?x=10.0&y=53&s=b`);
	const a2 = page2.locator('#frames > g', { has: page2.locator('title:text-matches("^a \\\\(")') }).locator('rect');
	check('URL state restores the zoom', (await a2.getAttribute('width')) === '1180.0', await a2.getAttribute('width'));
	check('URL state restores the search', (await page2.locator('#matched').textContent()) === 'Matched: 75.0%',
		await page2.locator('#matched').textContent());
	check('no script errors', errors.length === 0, errors.join('; '));
} finally {
	server.close();
	await done(browser);
}
