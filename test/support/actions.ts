/**
 * Manual actions as the UI makes them: a real run confirms a preview, so it
 * carries the planId the preview returned (lib/actions/plan-id.ts). Tests that
 * are about something else than that binding send their body through here.
 */
export type Post = (body: Record<string, unknown>) => Promise<Response>;

/** A dry run, or — when the body acts and names no planId — a dry run first, then the body with its planId. */
export async function previewThenAct(post: Post, body: Record<string, unknown>): Promise<Response> {
  if (body.dryRun === true || 'planId' in body) return post(body);
  const { reason: _reason, ...rest } = body;
  const preview = await post({ ...rest, dryRun: true });
  const planId = preview.ok ? ((await preview.json()) as { plan?: { planId?: string } }).plan?.planId : undefined;
  return post(planId ? { ...body, planId } : body);
}

/** The batch's real run over everything a preview listed (its selection, and refused sagas too, to see them refused). */
export function selectionOf(report: { items: Array<{ sagaId: string; plan: { planId: string } | null }> }): Array<{ sagaId: string; planId: string }> {
  return report.items.filter((i) => i.plan).map((i) => ({ sagaId: i.sagaId, planId: i.plan!.planId }));
}
