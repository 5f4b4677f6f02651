import type { Metadata } from 'next';
import Link from 'next/link';
import { GeistSans } from 'geist/font/sans';
import { GeistMono } from 'geist/font/mono';
import { NavLink } from '@/components/NavLink';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'sagascope', template: '%s · sagascope' },
  description: 'Observability and audit dashboard for distributed transactions',
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" className={`${GeistSans.variable} ${GeistMono.variable}`}>
      <body>
        <header className="app-header">
          <Link href="/sagas" className="app-header__brand">
            sagascope
          </Link>
          <nav aria-label="Main" className="app-header__nav">
            <NavLink href="/sagas">Sagas</NavLink>
          </nav>
        </header>
        <main className="app-main">{children}</main>
      </body>
    </html>
  );
}
