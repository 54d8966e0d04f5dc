import { AccountActions } from '../components/account/AccountActions';
import { EmailStatus } from '../components/account/EmailStatus';
import { NotificationSettings } from '../components/account/NotificationSettings';
import { PasswordForm } from '../components/account/PasswordForm';
import { ProfileForm } from '../components/account/ProfileForm';
import { RequireAuth } from '../components/RequireAuth';
import { useSession } from '../hooks/useSession';
import { useTitle } from '../hooks/useTitle';

function AccountView() {
  useTitle('Your account');
  const user = useSession().user;
  if (!user) return null;
  return (
    <section className="page narrow account-page">
      <h1>Your account</h1>
      <ProfileForm user={user} />
      <EmailStatus />
      <PasswordForm />
      <NotificationSettings />
      <AccountActions user={user} />
    </section>
  );
}

/** "/account": profile, e-mail address, password, notification settings, signing out everywhere, deleting the account. */
export function AccountPage() {
  return (
    <RequireAuth>
      <AccountView />
    </RequireAuth>
  );
}
