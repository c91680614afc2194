import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's chromium, headless, driven by playwright-core. The machine has no route out, so every
 * background connection Chromium would make on its own is switched off. Playwright gives it a new,
 * empty profile directory of its own.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
