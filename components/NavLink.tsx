'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

/** Header link that marks itself current for its whole section (/sagas/…). */
export function NavLink({ href, children }: { href: string; children: React.ReactNode }) {
  const pathname = usePathname();
  const current = pathname === href || pathname.startsWith(`${href}/`);
  return (
    <Link href={href} className="app-header__link" aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}
