import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { ForgotPasswordPage } from './ForgotPasswordPage';
import { LoginPage } from './LoginPage';

afterEach(cleanup);

function renderLogin() {
  render(
    <MemoryRouter initialEntries={['/login']}>
      <Routes>
        <Route path="login" element={<LoginPage />} />
        <Route path="forgot-password" element={<ForgotPasswordPage />} />
      </Routes>
    </MemoryRouter>,
  );
}

describe('LoginPage', () => {
  it('links to the forgotten-password page', () => {
    renderLogin();
    const link = screen.getByRole('link', { name: 'Forgot your password?' });
    expect(link.getAttribute('href')).toBe('/forgot-password');
    fireEvent.click(link);
    expect(screen.getByRole('heading', { name: 'Forgot your password?' })).toBeTruthy();
    expect((screen.getByLabelText('Email') as HTMLInputElement).value).toBe('');
  });

  it('takes an address typed as the login along (not in the URL)', () => {
    renderLogin();
    fireEvent.change(screen.getByLabelText('Username or email'), { target: { value: ' vera@example.test ' } });
    const link = screen.getByRole('link', { name: 'Forgot your password?' });
    expect(link.getAttribute('href')).toBe('/forgot-password');
    fireEvent.click(link);
    expect((screen.getByLabelText('Email') as HTMLInputElement).value).toBe('vera@example.test');
  });
});
