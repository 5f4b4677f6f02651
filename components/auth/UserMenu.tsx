'use client';

import Link from 'next/link';
import { apiSend } from '../api-client';

/** Header: who is signed in, and sign-out (the session is deleted server-side). */
export function UserMenu({ name, role }: { name: string; role: string }) {
  const signOut = async () => {
    await apiSend('POST', '/api/auth/logout');
    window.location.assign('/login');
  };
  return (
    <div className="user-menu" data-testid="user-menu">
      <Link href="/account" className="user-menu__name">
        {name}
      </Link>
      <span className="user-menu__role">{role}</span>
      <button type="button" className="user-menu__signout" onClick={signOut}>
        Sign out
      </button>
    </div>
  );
}
