#!/usr/bin/env node
// gaitscope serve's pages in a real browser (issue 16): Debian's chromium driven by
// playwright-core (pinned in package-lock.json, installed by scripts/setup.sh --test).
//
// usage: node pages.test.js GAITSCOPE SOURCE_DIR SCRATCH
//
// Signs up, adds an athlete, uploads the sample with the form (start/end cut it to 5 s), waits
// for the report, seeks the overlay video, writes an NKT record, creates a share link and opens
// it in a fresh context (no NKT record, notes or history there), uploads a second part of the
// sample (6-11 s) after the duplicate offer, compares the two from the athlete page's form and
// waits for the worker's comparison, and saves screenshots of the session, comparison, athlete
// and share pages at 390 and 1280 px into SCRATCH/browser/, checking at each width that the
// expected elements are visible and nothing is wider than the window. Then the clinic: the
// owner's account page, an invitation opened in a fresh context (the therapist sets a password,
// sees the clinic's athlete, gets no owner sections and no access log), the access log.
// Exit 0 pass, 1 fail, 77 skipped (no playwright-core, chromium, sample or models).
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

const [BIN, SRC, SCRATCH] = process.argv.slice(2);
const SAMPLE = path.join(SRC, 'datasets', 'run_side_treadmill_01.mp4');
const MODELS = path.join(SRC, 'models');
const CHROMIUM = '/usr/bin/chromium';
let failures = 0;

function check(cond, what) {
  if (!cond) {
    failures++;
    console.error(`FAIL: ${what}`);
  }
  return cond;
}

function skip(why) {
  console.error(`serve_browser: skipped: ${why}`);
  process.exit(77);
}

let pw;
try {
  pw = require('playwright-core');
} catch (e) {
  skip('playwright-core is not installed (run scripts/setup.sh --test)');
}
if (!fs.existsSync(CHROMIUM)) skip(`${CHROMIUM} is not installed (apt-get install chromium)`);
if (!fs.existsSync(SAMPLE) || !fs.existsSync(path.join(MODELS, 'pose_landmark_full.tflite')))
  skip('needs datasets/run_side_treadmill_01.mp4 and models/*.tflite (scripts/setup.sh)');

function startServer(data) {
  return new Promise((resolve, reject) => {
    const log = fs.openSync(data + '.log', 'w');
    const p = spawn(BIN, ['serve', '--data', data, '--listen', '127.0.0.1:0', '--workers', '1',
                          '--models', MODELS], { stdio: ['ignore', 'pipe', log] });
    let out = '';
    const timer = setTimeout(() => reject(new Error('serve did not start in 60 s')), 60000);
    p.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/localhost:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ p, port: Number(m[1]) });
      }
    });
    p.on('exit', (code) => reject(new Error(`serve exited ${code} (log ${data}.log)`)));
  });
}

// Everything on the page fits the window's width (no sideways scrolling on a phone).
async function fitsWidth(page, width, what) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  check(w <= width + 1, `${what} at ${width} px: the page is ${w} px wide`);
}

async function visible(page, sel, what) {
  check(await page.locator(sel).first().isVisible(), `${what}: ${sel} is visible`);
}

async function main() {
  const out = path.join(SCRATCH, 'browser');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const data = path.join(out, 'data');
  fs.mkdirSync(data);
  const { p, port } = await startServer(data);
  const base = `http://127.0.0.1:${port}`;
  const browser = await pw.chromium.launch({
    executablePath: CHROMIUM,
    chromiumSandbox: false, // the tests run as root, where Chrome's sandbox cannot start
    headless: true,
  });
  try {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    page.setDefaultTimeout(30000);

    // sign up
    await page.goto(`${base}/`);
    check(page.url().endsWith('/signin'), `/ goes to sign-in (${page.url()})`);
    await page.click('text=Create an account');
    await page.fill('#email', 'coach@example.org');
    await page.fill('#password', 'a long enough password');
    await Promise.all([page.waitForURL(`${base}/athletes`), page.click('button[type=submit]')]);
    await page.screenshot({ path: path.join(out, 'athletes-empty-1280.png') });

    // an athlete
    await page.fill('#name', 'Ann "Quick" <Runner>');
    await page.fill('#height_m', '1.70');
    await Promise.all([page.waitForURL(/\/athletes\/[A-Za-z0-9_-]{22}$/),
                       page.click('form.card button[type=submit]')]);
    check((await page.textContent('h1')) === 'Ann "Quick" <Runner>', 'the name, as typed, is the heading');

    // a file that is no video is refused on the form, before anything is sent
    await page.click('#upload-link');
    await page.setInputFiles('#video', { name: 'referral letter.pdf', mimeType: 'application/pdf',
                                         buffer: Buffer.from('%PDF-1.4 not a video') });
    await page.click('#upload button[type=submit]');
    await page.locator('#msg').filter({ hasText: 'not a video' }).waitFor({ timeout: 10000 });
    check(/\/upload$/.test(page.url()), 'a PDF is refused on the upload form, nothing sent');
    await page.goto(page.url().replace(/\/upload$/, ''));
    check((await page.locator('#sessions').count()) === 0, 'the refused PDF made no session');

    // upload with the form: 5 s of the sample
    await page.click('#upload-link');
    await page.setInputFiles('#video', SAMPLE);
    await page.fill('#date', '2026-12-01');
    await page.fill('#start', '1');
    await page.fill('#end', '6');
    await page.fill('#notes', 'private note: left knee sore');
    await page.fill('#history', 'scar:abdomen');
    await page.screenshot({ path: path.join(out, 'upload-1280.png'), fullPage: true });
    await Promise.all([page.waitForURL(/\/jobs\/[A-Za-z0-9_-]{22}$/, { timeout: 120000 }),
                       page.click('#upload button[type=submit]')]);
    await page.screenshot({ path: path.join(out, 'job-1280.png') });
    // the job page refreshes itself and goes to the session when done
    await page.waitForURL(/\/sessions\/[A-Za-z0-9_-]{22}$/, { timeout: 900000 });
    const sessionUrl = page.url();

    // the report in its sandboxed frame
    const frame = page.frameLocator('#report');
    await frame.locator('h1').first().waitFor();
    check((await page.getAttribute('#report', 'sandbox')) === 'allow-same-origin',
          'the report frame is sandboxed without scripts');

    // seek the overlay
    const seek = await page.evaluate(async () => {
      const v = document.getElementById('overlay');
      if (v.readyState < 1)
        await new Promise((r) => v.addEventListener('loadedmetadata', r, { once: true }));
      const dur = v.duration;
      const seeked = new Promise((r) => v.addEventListener('seeked', r, { once: true }));
      v.currentTime = 2.5;
      await seeked;
      if (v.readyState < 2)
        await new Promise((r) => v.addEventListener('loadeddata', r, { once: true }));
      return { dur, t: v.currentTime, rs: v.readyState };
    });
    check(seek.dur > 4.5 && seek.dur < 5.5, `the overlay lasts ~5 s (${seek.dur})`);
    check(Math.abs(seek.t - 2.5) < 0.1 && seek.rs >= 2,
          `the overlay seeked to 2.5 s (${seek.t}, readyState ${seek.rs})`);

    // the NKT record
    await page.fill('#nkt-tests', 'gluteus medius left: inhibited');
    await page.fill('#nkt-facilitators', 'TFL left; scar abdomen');
    await page.fill('#nkt-released', 'TFL left');
    await page.fill('#nkt-activated', 'gluteus medius left');
    await page.fill('#nkt-homework', 'side-lying abduction 2x15 daily');
    await page.click('#nkt button[type=submit]');
    await page.locator('#nkt-saved').waitFor();
    check((await page.inputValue('#nkt-tests')) === 'gluteus medius left: inhibited',
          'the record is kept');

    // a share link
    await page.click('text=Create a link');
    const shareUrl = await page.getAttribute('#share-url', 'href');
    check(/\/s\/[A-Za-z0-9_-]{43}$/.test(shareUrl || ''), `a share link (${shareUrl})`);

    // the same video again: offered, not sent
    await page.goto(sessionUrl.replace(/\/sessions\/.*/, '') + '/athletes');
    await page.click('#athletes a');
    await page.click('#upload-link');
    await page.setInputFiles('#video', SAMPLE);
    await page.click('#upload button[type=submit]');
    await page.locator('#msg a').first().waitFor({ timeout: 60000 });
    check((await page.textContent('#msg')).includes('You uploaded this video before'),
          'the upload form offers the earlier session of the same file');
    check((await page.getAttribute('#msg a', 'href')) === new URL(sessionUrl).pathname,
          'the offer links the earlier session');
    check(/\/upload$/.test(page.url()), 'nothing was sent: still on the upload form');
    await page.screenshot({ path: path.join(out, 'upload-duplicate-1280.png') });
    // ... analysed anew when asked: another part of the sample as a second session
    await page.fill('#date', '2026-12-08');
    await page.fill('#start', '6');
    await page.fill('#end', '11');
    await Promise.all([page.waitForURL(/\/jobs\/[A-Za-z0-9_-]{22}$/, { timeout: 120000 }),
                       page.click('#upload button[type=submit]')]);
    await page.waitForURL(/\/sessions\/[A-Za-z0-9_-]{22}$/, { timeout: 900000 });
    const session2Url = page.url();
    check(session2Url !== sessionUrl, 'a second session');

    // screenshots of the session page at two widths
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await page.goto(sessionUrl);
      await frame.locator('h1').first().waitFor();
      for (const sel of ['#overlay', '#findings', '#nkt', '#report', '#downloads', '#shares'])
        await visible(page, sel, `session page ${width} px`);
      await fitsWidth(page, width, 'session page');
      // key frames large enough to read their angles: at 390 px a frame was a 115 px tile (a
      // third of the row); now 72 % of the screen, the rows scrolling sideways
      const kf = await page.evaluate(() => {
        const img = document.querySelector('#keyframes img');
        const cap = document.querySelector('#keyframes figcaption');
        return { w: img ? img.getBoundingClientRect().width : 0,
                 cap: cap ? cap.getBoundingClientRect().height : 0 };
      });
      check(kf.w >= (width === 390 ? 270 : 150) && kf.cap > 0,
            `session page ${width} px: a key frame ${kf.w} px wide with a visible caption`);
      await page.screenshot({ path: path.join(out, `session-${width}.png`), fullPage: true });
    }
    await page.goto(sessionUrl.replace(/\/sessions\/.*/, '') + '/athletes');
    await page.click('#athletes a');
    await visible(page, '#sessions', 'athlete page');
    await visible(page, '#charts svg', 'athlete page');
    await fitsWidth(page, 390, 'athlete page');
    // each session's date on one line (at 390 px it broke after its first hyphen)
    const dateLines = await page.evaluate(() => Array.from(
      document.querySelectorAll('#sessions td:first-child a'),
      (a) => a.getClientRects().length));
    check(dateLines.length > 0 && dateLines.every((n) => n === 1),
          `athlete page 390 px: each date on one line (${dateLines})`);
    await page.screenshot({ path: path.join(out, 'athlete-390.png'), fullPage: true });

    // compare the two sessions from the athlete page (the form's defaults: older before)
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(sessionUrl.replace(/\/sessions\/.*/, '') + '/athletes');
    await page.click('#athletes a');
    const athleteUrl = page.url();
    await visible(page, '#compare-form', 'athlete page');
    check((await page.inputValue('#before')) === new URL(sessionUrl).pathname.split('/').pop() &&
          (await page.inputValue('#after')) === new URL(session2Url).pathname.split('/').pop(),
          'the compare form picks the older session as before, the newer as after');
    await Promise.all([page.waitForURL(/\/comparisons\/[A-Za-z0-9_-]{22}$/),
                       page.click('#compare-submit')]);
    const comparisonUrl = page.url();
    // the page refreshes itself while a worker compares
    await page.locator('#comparison-summary').waitFor({ timeout: 600000 });
    await page.frameLocator('#comparison').locator('h1').first().waitFor();
    check((await page.getAttribute('#comparison', 'sandbox')) === 'allow-same-origin',
          'the comparison frame is sandboxed without scripts');
    const sbs = await page.evaluate(async () => {
      const v = document.getElementById('side-by-side');
      if (v.readyState < 1)
        await new Promise((r) => v.addEventListener('loadedmetadata', r, { once: true }));
      return { dur: v.duration, w: v.videoWidth, h: v.videoHeight };
    });
    check(sbs.dur > 0.5 && sbs.w > 0 && sbs.h > 0, `the side-by-side clip plays (${JSON.stringify(sbs)})`);
    const cjson = await page.evaluate(async (u) => (await fetch(u + '/files/comparison.json',
      { credentials: 'same-origin' })).json(), comparisonUrl);
    check(cjson.format === 'gaitscope.comparison/1' && cjson.before.path === 'before 2026-12-01' &&
          cjson.after.path === 'after 2026-12-08', `comparison.json (${cjson.format})`);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await page.goto(comparisonUrl);
      await page.frameLocator('#comparison').locator('h1').first().waitFor();
      for (const sel of ['#comparison-summary', '#real-changes', '#side-by-side', '#comparison',
                         '#comparison-downloads'])
        await visible(page, sel, `comparison page ${width} px`);
      await fitsWidth(page, width, 'comparison page');
      await page.screenshot({ path: path.join(out, `comparison-${width}.png`), fullPage: true });
      await page.goto(athleteUrl);
      for (const sel of ['#compare-form', '#comparisons', '#export-link'])
        await visible(page, sel, `athlete page ${width} px`);
      check((await page.locator(`#comparisons a[href="${new URL(comparisonUrl).pathname}"]`)
        .count()) === 1, 'the athlete page lists the comparison');
      await fitsWidth(page, width, 'athlete page with the compare form');
      await page.screenshot({ path: path.join(out, `athlete-compare-${width}.png`), fullPage: true });
      await page.goto(session2Url);
      for (const sel of ['#comparisons', '#rerun-form', '#session-zip'])
        await visible(page, sel, `second session page ${width} px`);
      check((await page.locator(`#comparisons a[href="${new URL(comparisonUrl).pathname}"]`)
        .count()) === 1, 'the session page lists the comparison');
      await fitsWidth(page, width, 'second session page');
      await page.screenshot({ path: path.join(out, `session2-${width}.png`), fullPage: true });
    }

    // the share link in a fresh context: overlay and findings, no record, notes or history
    for (const width of [1280, 390]) {
      const anon = await browser.newContext({ viewport: { width, height: 900 } });
      const sp = await anon.newPage();
      await sp.goto(shareUrl);
      await visible(sp, '#overlay', `share page ${width} px`);
      await visible(sp, '#findings', `share page ${width} px`);
      const text = await sp.textContent('body');
      check(!/gluteus medius left: inhibited|TFL left|side-lying|NKT record/.test(text),
            'the share page shows no NKT record');
      check(!/private note|scar:abdomen/.test(text), 'the share page shows no notes or history');
      check((await sp.locator('#nkt, #private, form').count()) === 0,
            'the share page has no record, private section or forms');
      await fitsWidth(sp, width, 'share page');
      await sp.screenshot({ path: path.join(out, `share-${width}.png`), fullPage: true });
      await anon.close();
    }

    // the clinic: the owner's account page, an invitation, the therapist's view, the access log
    const root = sessionUrl.replace(/\/sessions\/.*/, '');
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await page.goto(`${root}/account`);
      for (const sel of ['#who', '#users', '#invite-email', '#days', '#access-link',
                         '#delete-account'])
        await visible(page, sel, `account page ${width} px`);
      await fitsWidth(page, width, 'account page');
      await page.screenshot({ path: path.join(out, `account-${width}.png`), fullPage: true });
    }
    await page.fill('#invite-email', 'therapist.with.a.rather.long.address@clinic-example.org');
    await page.click('form[action="/account/invite"] button[type=submit]');
    const inviteUrl = await page.getAttribute('#invite-url', 'href');
    check(/\/invite\/[A-Za-z0-9_-]{43}$/.test(inviteUrl || ''), `an invitation link (${inviteUrl})`);
    await visible(page, '#invites', 'account page with a pending invitation');
    await fitsWidth(page, 390, 'account page with the new link');
    await page.screenshot({ path: path.join(out, 'account-invited-390.png'), fullPage: true });
    const tctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const tp = await tctx.newPage();
    await tp.goto(inviteUrl);
    await visible(tp, '#invite-email', 'invitation page');
    await fitsWidth(tp, 390, 'invitation page');
    await tp.screenshot({ path: path.join(out, 'invite-390.png'), fullPage: true });
    await tp.setViewportSize({ width: 1280, height: 900 });
    await fitsWidth(tp, 1280, 'invitation page');
    await tp.screenshot({ path: path.join(out, 'invite-1280.png'), fullPage: true });
    await tp.fill('#password', 'the therapist password');
    await Promise.all([tp.waitForURL(`${root}/athletes`), tp.click('button[type=submit]')]);
    await tp.click('#athletes a');
    await visible(tp, '#sessions', "the therapist opens the clinic's athlete");
    check((await tp.locator('#delete-athlete').count()) === 0,
          'a therapist gets no delete-athlete button');
    await tp.goto(sessionUrl);
    await visible(tp, '#findings', "the therapist opens the clinic's session");
    await tp.setViewportSize({ width: 390, height: 844 });
    await tp.goto(`${root}/account`);
    check((await tp.locator('#users, #invite-email, #delete-account, #access-link').count()) === 0,
          "the therapist's account page has no owner sections");
    await fitsWidth(tp, 390, "therapist's account page");
    await tp.screenshot({ path: path.join(out, 'account-therapist-390.png'), fullPage: true });
    const denied = await tp.goto(`${root}/account/access`);
    check(denied.status() === 403, `the therapist cannot read the access log (${denied.status()})`);
    await tctx.close();
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await page.goto(`${root}/account/access`);
      await visible(page, '#access', `access log ${width} px`);
      const log = await page.textContent('#access');
      check(log.includes('therapist.with.a.rather.long.address@clinic-example.org') &&
            log.includes('session page') && log.includes('share link'),
            'the access log names the therapist, the session page and the share visitor');
      await fitsWidth(page, width, 'access log');
      // an e-mail in the Who column wraps only after its '@', before a '.' or after a '-':
      // where each line of it starts, from the characters' boxes
      const starts = await page.evaluate(() => {
        const out = [];
        for (const el of document.querySelectorAll('#access .email')) {
          const text = el.textContent;
          const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
          const tops = [];
          for (let n = walker.nextNode(); n; n = walker.nextNode())
            for (let i = 0; i < n.length; i++) {
              const r = document.createRange();
              r.setStart(n, i);
              r.setEnd(n, i + 1);
              tops.push(Math.round(r.getBoundingClientRect().top));
            }
          for (let i = 1; i < tops.length; i++)
            if (tops[i] > tops[i - 1] + 2) out.push([text, i]);
        }
        return out;
      });
      const bad = starts.filter(([t, i]) => !(t[i - 1] === '@' || t[i] === '.' || t[i - 1] === '-'));
      check(bad.length === 0,
            `access log ${width} px: e-mails wrap only at @ . - (${JSON.stringify(bad)})`);
      if (width === 390)
        check(starts.length > 0, `the long e-mail wraps at 390 px (${JSON.stringify(starts)})`);
      await page.screenshot({ path: path.join(out, `access-${width}.png`), fullPage: true });
    }
    await page.goto(`${root}/athletes`);
    await page.click('#athletes a');
    await visible(page, '#delete-athlete', "the owner's athlete page");
    await fitsWidth(page, 390, "the owner's athlete page");
    await ctx.close();
  } finally {
    await browser.close();
    p.kill('SIGTERM');
  }
  console.log(`serve_browser: ${failures ? failures + ' failure(s)' : 'ok'}; screenshots in ${out}`);
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  console.error(`FAIL: ${e.stack || e}`);
  process.exit(1);
});
