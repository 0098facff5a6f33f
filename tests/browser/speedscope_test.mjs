// SPDX-License-Identifier: MIT
// Loads scorch's files into speedscope (the npm package's own build) in headless Chromium and
// checks what its importer made of them: the profile name, and in the Sandwich view (a DOM
// table) the function names and their counts. Prints "ok - " / "not ok - " lines.
// usage: node speedscope_test.mjs FILE EXPECTED.tsv   (EXPECTED: "name<TAB>self" per line)
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { check, launch, done } from './lib.mjs';

const [file, expectedPath] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const dist = path.join(path.dirname(require.resolve('speedscope/package.json')), 'dist', 'release');
const expected = fs.readFileSync(expectedPath, 'utf8').trim().split('\n').map(l => l.split('\t'));
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
const server = http.createServer((req, res) => {
	const url = new URL(req.url, 'http://x');
	if (url.pathname === '/profile') {
		res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
		return res.end(fs.readFileSync(file));
	}
	const p = path.join(dist, path.normalize(url.pathname === '/' ? '/index.html' : url.pathname));
	if (!p.startsWith(dist) || !fs.existsSync(p)) { res.writeHead(404); return res.end(); }
	res.writeHead(200, { 'Content-Type': types[path.extname(p)] || 'application/octet-stream' });
	res.end(fs.readFileSync(p));
});
await new Promise(r => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch();
const label = path.basename(file);
try {
	const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
	const errors = [];
	page.on('pageerror', e => errors.push(String(e)));
	page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
	await page.goto(`${base}/index.html#profileURL=${encodeURIComponent(base + '/profile')}&title=scorch`);
	// the sandwich view lists every function with its self and total weight
	await page.waitForFunction(() => /Sandwich|wrong|rror/.test(document.body.innerText), null, { timeout: 30000 });
	await page.keyboard.press('3');
	await page.waitForTimeout(500);
	const text = await page.evaluate(() => document.body.innerText);
	for (const [name, self] of expected) {
		const row = text.split('\n').some(l => l.includes(name));
		check(`${label}: speedscope lists frame ${name}`, row);
	}
	check(`${label}: speedscope reports no import error`, !/Something went wrong|Failed to load|Unrecognized format/i.test(text),
		text.slice(0, 200));
	check(`${label}: no console or page errors`, errors.length === 0, errors.join(' | '));
} finally {
	server.close();
	await done(browser);
}
