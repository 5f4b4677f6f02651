import type { Metadata } from 'next';
import Link from 'next/link';
import { unstable_rethrow } from 'next/navigation';
import { GeistSans } from 'geist/font/sans';
import { GeistMono } from 'geist/font/mono';
import { NavLink } from '@/components/NavLink';
import { UserMenu } from '@/components/auth/UserMenu';
import { TimeZoneProvider } from '@/components/time/TimeZoneProvider';
import { TimeZoneSwitch } from '@/components/time/TimeZoneSwitch';
import { roleCan } from '@/lib/auth/roles';
import type { Principal } from '@/lib/auth/principal';
import { log, errorFields } from '@/lib/log';
import { currentPrincipal, currentReadOnly } from './_lib/auth';
import { currentZonePref } from './_lib/time-zone';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'sagascope', template: '%s · sagascope' },
  description: 'Observability and audit dashboard for distributed transactions',
};

/** Who is signed in and whether read-only mode is on; a database failure must not take the whole chrome down. */
async function chromeState(): Promise<{ principal: Principal | null; readOnly: boolean }> {
  try {
    const [principal, readOnly] = await Promise.all([currentPrincipal(), currentReadOnly()]);
    return { principal, readOnly: readOnly.active };
  } catch (err) {
    // Next's own control flow (dynamic rendering, redirects) must pass through.
    unstable_rethrow(err);
    log.warn('could not read the session for the header', errorFields(err));
    return { principal: null, readOnly: false };
  }
}

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const [{ principal, readOnly }, zonePref] = await Promise.all([chromeState(), currentZonePref()]);
  const role = principal && principal.kind !== 'anonymous' ? principal.role : null;
  return (
    <html lang="en" className={`${GeistSans.variable} ${GeistMono.variable}`}>
      <body>
        <TimeZoneProvider initial={zonePref}>
          <header className="app-header">
            <Link href="/" className="app-header__brand">
              sagascope
            </Link>
            <nav aria-label="Main" className="app-header__nav">
              <NavLink href="/">Overview</NavLink>
              <NavLink href="/sagas">Sagas</NavLink>
              <NavLink href="/insights">Insights</NavLink>
              <NavLink href="/topology">Topology</NavLink>
              {role && roleCan(role, 'audit') ? <NavLink href="/audit">Audit</NavLink> : null}
              {role && roleCan(role, 'export') ? <NavLink href="/export">Export</NavLink> : null}
              {role && roleCan(role, 'admin') ? <NavLink href="/admin">Admin</NavLink> : null}
            </nav>
            <div className="app-header__end">
              <TimeZoneSwitch />
              {readOnly ? (
                <span className="read-only-badge" data-testid="read-only-badge" title="Changes are refused (read-only mode)">
                  read-only
                </span>
              ) : null}
              {principal?.kind === 'user' ? (
                <UserMenu name={principal.name} role={principal.role} />
              ) : principal?.kind === 'anonymous' ? (
                <Link href="/login" className="app-header__link">
                  Sign in
                </Link>
              ) : null}
            </div>
          </header>
          <main className="app-main">{children}</main>
        </TimeZoneProvider>
      </body>
    </html>
  );
}
