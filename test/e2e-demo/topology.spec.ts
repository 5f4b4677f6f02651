/**
 * The topology of the running demo fleet: every demo service is a node, the
 * orchestrator has an edge to each participant, and selecting a node opens the
 * saga list filtered to sagas involving that service (and only those).
 */
import { test, expect, type Page } from '@playwright/test';

const PARTICIPANTS = ['inventory', 'order', 'payment', 'shipping'];
const SERVICES = ['orchestrator', ...PARTICIPANTS];

interface Seen {
  services: string[];
  edges: string[];
}

/** What the graph shows once the browser has drawn it (edges render after hydration). */
async function graphNow(page: Page): Promise<Seen> {
  await page.goto('/topology?range=15m');
  await expect(page.getByTestId('topology-graph').or(page.getByTestId('topology-empty'))).toBeVisible();
  if ((await page.getByTestId('topology-graph').count()) > 0) {
    await page.getByTestId('topology-edge').first().waitFor({ timeout: 5_000 }).catch(() => undefined);
  }
  return {
    services: await page.getByTestId('topology-node').evaluateAll((els) => els.map((e) => e.getAttribute('data-service') ?? '')),
    edges: await page
      .getByTestId('topology-edge')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-source')}->${e.getAttribute('data-target')}`)),
  };
}

const servicesOfRows = (page: Page) =>
  page.locator('[data-testid="saga-row"] .saga-table__services').evaluateAll((tds) => tds.map((td) => (td.textContent ?? '').split(', ')));

test('the topology shows every demo service with edges; selecting a node filters the saga list to it', async ({ page }) => {
  test.setTimeout(180_000);
  let seen: Seen = { services: [], edges: [] };
  await expect
    .poll(
      async () => {
        seen = await graphNow(page);
        return {
          missingServices: SERVICES.filter((s) => !seen.services.includes(s)),
          missingEdges: PARTICIPANTS.map((p) => `orchestrator->${p}`).filter((e) => !seen.edges.includes(e)),
        };
      },
      { timeout: 120_000, intervals: [3_000], message: 'every demo service and an orchestrator edge to each participant' },
    )
    .toEqual({ missingServices: [], missingEdges: [] });
  console.log(`topology: ${seen.services.length} nodes (${seen.services.join(', ')}), ${seen.edges.length} edges (${seen.edges.join(', ')})`);

  // Every node shows its numbers as text, and every edge its label.
  for (const s of SERVICES) {
    await expect(page.locator(`[data-testid="topology-node"][data-service="${s}"]`)).toContainText(/\d+ calls? · .*% errors/);
  }
  await expect(page.locator('[data-testid="topology-edge"][data-source="orchestrator"][data-target="payment"]')).toContainText(/^\S+ · .*% · p95 /);
  await page.getByTestId('topology-graph').screenshot({ path: 'test-results/topology-demo.png' });
  await page.locator('section[aria-labelledby="topology-h"]').screenshot({ path: 'docs/img/topology.png' });

  // Unfiltered, the list has sagas that never touch shipping (refunds, transfers) …
  await page.goto('/sagas?range=15m&limit=200');
  await expect(page.getByTestId('saga-row').first()).toBeVisible();
  expect((await servicesOfRows(page)).some((svcs) => !svcs.includes('shipping'))).toBe(true);

  // … the shipping node's list has only sagas involving shipping.
  await page.goto('/topology?range=15m');
  const shipping = page.locator('[data-testid="topology-node"][data-service="shipping"]');
  await shipping.click({ position: { x: 120, y: 50 } }); // the box, not its link: the whole node navigates
  await expect(page).toHaveURL(/\/sagas\?service=shipping&range=15m$/);
  await expect(page.getByTestId('saga-row').first()).toBeVisible();
  const rows = await servicesOfRows(page);
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.filter((svcs) => !svcs.includes('shipping'))).toEqual([]);
  await expect(page.getByTestId('saga-filters').getByLabel('Service')).toHaveValue('shipping');

  // The keyboard path: the node's link is a tab stop and opens the same list.
  await page.goto('/topology?range=15m');
  await page.locator('[data-testid="topology-node"][data-service="payment"]').getByRole('link').focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/sagas\?service=payment&range=15m$/);
  const paymentRows = await servicesOfRows(page);
  expect(paymentRows.length).toBeGreaterThan(0);
  expect(paymentRows.filter((svcs) => !svcs.includes('payment'))).toEqual([]);
});
