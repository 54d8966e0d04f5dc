import { useState, type FormEvent } from 'react';
import { User } from '../../api/services';
import { describeError } from '../../api/errors';
import type { Role } from '../../api/types';

/** Grant (or revoke) the host role by username. */
export function GrantRole() {
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role>('ROLE_HOST');
  const [msg, setMsg] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setMsg('');
    setError('');
    try {
      const u = await User.GetUser({ username: username.trim().toLowerCase() });
      const r = await User.SetRole({ userId: u.user?.id, role });
      setMsg(`${r.user?.username} is now ${role === 'ROLE_HOST' ? 'a host' : role === 'ROLE_ADMIN' ? 'an admin' : 'a viewer'}.`);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="panel stack" onSubmit={submit} aria-label="Roles">
      <h2 className="panel-title">Roles</h2>
      <div className="grid-2">
        <label className="field">
          <span>Username</span>
          <input value={username} onChange={(e) => setUsername(e.target.value)} required autoComplete="off" />
        </label>
        <label className="field">
          <span>Role</span>
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option value="ROLE_HOST">Host</option>
            <option value="ROLE_VIEWER">Viewer</option>
            <option value="ROLE_ADMIN">Admin</option>
          </select>
        </label>
      </div>
      <button className="btn btn-primary" type="submit" disabled={busy || !username.trim()}>
        Set role
      </button>
      {msg && <p role="status">{msg}</p>}
      {error && <p className="field-error" role="alert">{error}</p>}
    </form>
  );
}
