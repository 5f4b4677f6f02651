import { ROLES } from '@/lib/auth/roles';

/** The <option>s of every role picker (users, tokens), in the order roles grant more. */
export function RoleOptions() {
  return (
    <>
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {r}
        </option>
      ))}
    </>
  );
}
