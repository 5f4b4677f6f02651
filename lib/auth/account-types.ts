/** Users and API tokens as the store returns them and the admin API sends them. */

/** A user as the admin API shows it (never the password hash). */
export interface UserJson {
  id: string;
  name: string;
  role: 'viewer' | 'operator' | 'auditor' | 'admin';
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
}

/** An API token as the admin API shows it (never the secret, which is shown once at creation). */
export interface ApiTokenJson {
  id: string;
  name: string;
  role: 'viewer' | 'operator' | 'auditor' | 'admin';
  /** First characters of the token, to tell tokens apart. */
  prefix: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  lastUsedAt: string | null;
}
