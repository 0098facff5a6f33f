// SPDX-License-Identifier: MIT
// What the browser tests share: TAP-style checks and headless Chromium as this machine runs it.
import { chromium } from 'playwright-core';

let failed = 0;

// Prints "ok - NAME", or "not ok - NAME: DETAIL" and counts the failure.
export function check(name, cond, detail) {
	if (cond) console.log(`ok - ${name}`);
	else { failed++; console.log(`not ok - ${name}${detail !== undefined ? ': ' + detail : ''}`); }
}

// Headless Chromium (CHROMIUM overrides /usr/bin/chromium), with nothing of its own on the network.
export function launch() {
	return chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
			'--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
	});
}

// Closes the browser; node's exit status is then 1 when a check failed. (Called in a finally
// block: an exception on its way out still ends node with its own error and status.)
export async function done(browser) {
	await browser.close();
	if (failed) process.exitCode = 1;
}
