/**
 * Roles and what they may do (DESIGN.md §6). Pure data: the one table every
 * route's check reads through `lib/auth/policy.ts`.
 */
import { z } from 'zod';

export const ROLES = ['viewer', 'operator', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

/**
 * - `read`: sagas, traces, spans, the per-saga audit entries.
 * - `act`: manual retry / compensate actions.
 * - `audit`: the whole audit trail and its verification.
 * - `export`: streamed exports for auditors.
 * - `admin`: users, API tokens, settings.
 * - `self`: anything a signed-in principal does to itself (logout, own password).
 */
export const PERMISSIONS = ['read', 'act', 'audit', 'export', 'admin', 'self'] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  viewer: ['read', 'self'],
  operator: ['read', 'act', 'self'],
  auditor: ['read', 'audit', 'export', 'self'],
  // Admins can do everything; separation of duties is by giving people the narrower roles.
  admin: ['read', 'act', 'audit', 'export', 'admin', 'self'],
};

export function roleCan(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export function permissionsOf(role: Role): readonly Permission[] {
  return GRANTS[role];
}

/** The roles that hold a permission (messages: "needs the auditor or admin role"). */
export function rolesWith(permission: Permission): Role[] {
  return ROLES.filter((r) => roleCan(r, permission));
}
