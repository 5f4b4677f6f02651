/** The e2e admin, created once per database by global.setup.ts through /setup. */
export const E2E_ADMIN = { name: 'e2e-admin', password: 'e2e-admin-password-1' };
