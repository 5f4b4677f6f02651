/**
 * First start without any user: print the one-time setup token that `/setup`
 * exchanges for the first admin (the alternative is `npm run user:create --
 * --admin <name>`). Nothing is printed once a user exists.
 */
import type { Db } from '../lib/db/connection';
import type { Config } from '../lib/config/env';
import { ensureSetupToken } from '../lib/auth/accounts';

export async function announceSetupToken(db: Db, config: Config): Promise<void> {
  const setup = await ensureSetupToken(db, config.SAGASCOPE_SETUP_TOKEN);
  if (!setup) return;
  const shownHost = config.SAGASCOPE_HOST === '0.0.0.0' ? 'localhost' : config.SAGASCOPE_HOST;
  const readers =
    config.SAGASCOPE_AUTH === 'on' ? 'Nobody can sign in until then.' : 'Until then anyone who can reach the UI can read it (SAGASCOPE_AUTH=auto).';
  console.log(
    [
      '',
      '  No user yet. Create the first admin at',
      `    http://${shownHost}:${config.PORT}/setup`,
      setup.fromEnv ? '  with the setup token from SAGASCOPE_SETUP_TOKEN,' : `  with this one-time setup token:\n    ${setup.token}`,
      '  or stop sagascope and run: npm run user:create -- --admin <name>',
      `  ${readers}`,
      '',
    ].join('\n'),
  );
}
