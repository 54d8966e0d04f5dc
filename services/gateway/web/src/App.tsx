import { lazy, Suspense, useEffect } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation, useParams } from 'react-router-dom';
import { session } from './auth/session';
import { Spinner } from './components/Feedback';
import { Layout } from './components/Layout';
import { useClockSync } from './hooks/useClockSync';
import { HomePage } from './pages/HomePage';
import { LoginPage } from './pages/LoginPage';
import { RegisterPage } from './pages/RegisterPage';
import { ForgotPasswordPage } from './pages/ForgotPasswordPage';
import { ResetPasswordPage } from './pages/ResetPasswordPage';
import { VerifyEmailPage } from './pages/VerifyEmailPage';
import { WatchPage } from './pages/WatchPage';
import { OrderPage } from './pages/OrderPage';
import { AccountPage } from './pages/AccountPage';
import { OrdersPage } from './pages/OrdersPage';
import { ProductPage } from './pages/ProductPage';
import { NotFoundPage } from './pages/NotFoundPage';

const HostHomePage = lazy(() => import('./pages/host/HostHomePage'));
const HostStreamPage = lazy(() => import('./pages/host/HostStreamPage'));
const HostOrdersPage = lazy(() => import('./pages/host/HostOrdersPage'));
const AdminPage = lazy(() => import('./pages/admin/AdminPage'));

/** "/live/<stream>" (the links in notifications) opens the watch page, with the link's query. */
function LiveRedirect() {
  const { streamId } = useParams();
  const { search } = useLocation();
  return <Navigate replace to={`/watch/${streamId ?? ''}${search}`} />;
}

export function App() {
  useClockSync();
  useEffect(() => {
    void session.init();
  }, []);
  return (
    <BrowserRouter>
      <Suspense fallback={<Spinner />}>
        <Routes>
          <Route element={<Layout />}>
            <Route index element={<HomePage />} />
            <Route path="watch/:streamId" element={<WatchPage />} />
            <Route path="live/:streamId" element={<LiveRedirect />} />
            <Route path="login" element={<LoginPage />} />
            <Route path="register" element={<RegisterPage />} />
            <Route path="forgot-password" element={<ForgotPasswordPage />} />
            <Route path="reset-password" element={<ResetPasswordPage />} />
            <Route path="verify-email" element={<VerifyEmailPage />} />
            <Route path="orders" element={<OrdersPage />} />
            <Route path="orders/:orderId" element={<OrderPage />} />
            <Route path="account" element={<AccountPage />} />
            <Route path="products/:productId" element={<ProductPage />} />
            <Route path="host" element={<HostHomePage />} />
            <Route path="host/streams/:streamId" element={<HostStreamPage />} />
            <Route path="host/orders" element={<HostOrdersPage />} />
            <Route path="admin" element={<AdminPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </Suspense>
    </BrowserRouter>
  );
}
