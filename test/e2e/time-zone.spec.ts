/**
 * One time zone everywhere, in a real Chromium whose zone is New York: an audit
 * row's shown time and the From / To filter agree in both modes of the header's
 * switch (a row shown at T is found by a range typed around T, and the link
 * carries the same UTC instants either way); the old bug (a New York row found
 * only by typing its UTC wall time) stays fixed; the choice is remembered across
 * reloads, and the server's own HTML already uses it.
 *
 * The expected local times are computed with the browser's own Date (which runs
 * in the test's timezoneId), not with the module under test.
 */
import { test, expect, type Page } from '@playwright/test';

test.use({ timezoneId: 'America/New_York' });

const SHOWN = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})\.\d{3} (UTC|UTC[+-]\d{2}:\d{2})$/;

interface Row {
  seq: string;
  iso: string;
  shown: string;
}

async function newestRow(page: Page): Promise<Row> {
  const row = page.getByTestId('audit-row').first();
  const time = row.getByTestId('timestamp');
  return {
    seq: (await row.locator('td').first().textContent())!.trim(),
    iso: (await time.getAttribute('datetime'))!,
    shown: (await time.textContent())!.trim(),
  };
}

const rowWithSeq = (page: Page, seq: string) => page.getByTestId('audit-row').filter({ has: page.locator('td', { hasText: new RegExp(`^${seq}$`) }) });

/** The instant as the browser's zone shows it: wall time to the second, and the zone's offset ("UTC-05:00"). */
async function browserLocal(page: Page, iso: string): Promise<{ wall: string; suffix: string }> {
  return page.evaluate((s) => {
    const d = new Date(s);
    const p = (n: number) => String(Math.abs(n)).padStart(2, '0');
    const off = -d.getTimezoneOffset();
    return {
      wall: `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`,
      suffix: `UTC${off < 0 ? '-' : '+'}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`,
    };
  }, iso);
}

/** A datetime-local input's value: Chromium leaves out seconds that are zero. */
const inputValue = (wall: string) => wall.replace(/:00$/, '');

/** Types a From / To range into the audit filters and applies it. */
async function filterAudit(page: Page, zoneLabel: string, from: string, to: string) {
  await page.getByLabel(`From (${zoneLabel})`).fill(inputValue(from));
  await page.getByLabel(`To (${zoneLabel})`).fill(inputValue(to));
  await page.getByTestId('audit-filters').getByRole('button', { name: 'Apply' }).click();
}

test('audit rows and the From / To filter use the same zone, UTC or local, remembered', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /hydrat/i.test(m.text())) problems.push(m.text());
  });

  // Default: UTC, and the switch says so.
  await page.goto('/audit');
  const zoneSwitch = page.getByTestId('tz-switch');
  await expect(zoneSwitch.getByRole('button', { name: 'UTC' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('tz-zone')).toHaveText('UTC (default)');
  const row = await newestRow(page);
  const utc = SHOWN.exec(row.shown);
  expect(utc, row.shown).not.toBeNull();
  expect(utc![3]).toBe('UTC');
  // What is shown is the row's instant in UTC.
  expect(`${utc![1]}T${utc![2]}`).toBe(row.iso.slice(0, 19));
  const second = row.iso.slice(0, 19);

  // A range typed as the shown second (To runs through it) finds the row; the URL carries UTC.
  await filterAudit(page, 'UTC', second, second);
  await expect(page).toHaveURL(new RegExp(`from=${encodeURIComponent(`${second}.000Z`)}&to=${encodeURIComponent(`${second}.999Z`)}`));
  await expect(rowWithSeq(page, row.seq)).toHaveCount(1);
  const utcLink = page.url();

  // Local: the same row now shows New York time with its offset, as the browser's own clock reads it.
  await zoneSwitch.getByRole('button', { name: 'Local' }).click();
  await expect(zoneSwitch.getByRole('button', { name: 'Local' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('tz-zone')).toHaveText('America/New_York');
  const local = await browserLocal(page, row.iso);
  expect(local.suffix).toMatch(/^UTC-0[45]:00$/);
  const localShown = rowWithSeq(page, row.seq).getByTestId('timestamp');
  await expect(localShown).toHaveText(new RegExp(`^${local.wall.replace('T', ' ')}\\.\\d{3} ${local.suffix}$`));
  await page.screenshot({ path: 'test-results/audit-local-time.png' });
  // The filter fields show the URL's instants in that zone too.
  await expect(page.getByLabel('From (America/New_York)')).toHaveValue(inputValue(local.wall));
  await expect(page.getByLabel('To (America/New_York)')).toHaveValue(inputValue(local.wall));

  // Typing the shown local time finds the row, and the link is the one UTC mode made.
  await page.goto('/audit');
  await filterAudit(page, 'America/New_York', local.wall, local.wall);
  await expect(page).toHaveURL(utcLink);
  await expect(rowWithSeq(page, row.seq)).toHaveCount(1);
  // The old bug: in local mode, the UTC wall time is another instant and does not find it.
  await filterAudit(page, 'America/New_York', second, second);
  await expect(page).not.toHaveURL(utcLink);
  await expect(page).toHaveURL(/from=.+&to=.+/);
  await expect(rowWithSeq(page, row.seq)).toHaveCount(0);

  // Remembered across a reload, and the server renders local time itself (before any script runs).
  await page.goto(utcLink);
  await page.reload();
  await expect(zoneSwitch.getByRole('button', { name: 'Local' })).toHaveAttribute('aria-pressed', 'true');
  await expect(rowWithSeq(page, row.seq).getByTestId('timestamp')).toHaveText(new RegExp(` ${local.suffix}$`));
  const html = await (await page.request.get(utcLink)).text();
  expect(html).toContain(local.wall.replace('T', ' '));
  expect(html).toContain(local.suffix);

  // Other pages follow the same choice: the account page's session end names the zone.
  await page.goto('/account');
  await expect(page.getByTestId('timestamp').first()).toHaveText(/ UTC-0[45]:00$/);

  // Back to UTC, remembered as well.
  await zoneSwitch.getByRole('button', { name: 'UTC' }).click();
  await expect(page.getByTestId('timestamp').first()).toHaveText(/ UTC$/);
  await page.goto(utcLink);
  await page.reload();
  await expect(zoneSwitch.getByRole('button', { name: 'UTC' })).toHaveAttribute('aria-pressed', 'true');
  await expect(rowWithSeq(page, row.seq).getByTestId('timestamp')).toHaveText(row.shown);
  await expect(page.getByLabel('From (UTC)')).toHaveValue(inputValue(second));

  expect(problems).toEqual([]);
});
