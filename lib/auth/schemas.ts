/** zod schemas of the auth boundaries (HTTP bodies, CLI arguments). */
import { z } from 'zod';
import { roleSchema } from './roles';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password';
import { pgText } from '../api/query';

export const userNameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._@-]{0,63}$/, 'user names are 1–64 characters: letters, digits, . _ @ - (starting with a letter or digit)');

export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `passwords need at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `passwords are at most ${PASSWORD_MAX_LENGTH} characters`);

/**
 * Login takes any strings (bounded): a wrong format is just a failed login. Only
 * a name PostgreSQL cannot take (NUL, a lone surrogate) is a 400: it is the
 * throttle's key, and no user can have it.
 */
export const loginBodySchema = z
  .object({
    name: z.string().max(200).refine(pgText, { message: 'must not contain NUL or unpaired surrogates' }),
    password: z.string().max(PASSWORD_MAX_LENGTH),
  })
  .strict();

export const setupBodySchema = z.object({ token: z.string().min(1).max(200), name: userNameSchema, password: passwordSchema }).strict();

export const changePasswordBodySchema = z
  .object({ currentPassword: z.string().max(PASSWORD_MAX_LENGTH), newPassword: passwordSchema })
  .strict();

export const createUserBodySchema = z.object({ name: userNameSchema, role: roleSchema, password: passwordSchema }).strict();

export const updateUserBodySchema = z
  .object({ role: roleSchema.optional(), disabled: z.boolean().optional(), password: passwordSchema.optional() })
  .strict()
  .refine((b) => b.role !== undefined || b.disabled !== undefined || b.password !== undefined, { message: 'nothing to change' });

export const tokenNameSchema = z
  .string()
  .trim()
  .min(1, 'name the token (what uses it)')
  .max(100)
  .regex(/^[\p{L}\p{N} ._:@/-]+$/u, 'token names are letters, digits, spaces and . _ : @ / -');

export const createTokenBodySchema = z
  .object({ name: tokenNameSchema, role: roleSchema, expiresInDays: z.number().int().min(1).max(3650).nullish() })
  .strict();

export const settingsBodySchema = z.object({ readOnly: z.boolean() }).strict();

export const uuidSchema = z.uuid();
