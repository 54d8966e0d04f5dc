import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryRouter } from 'react-router-dom';
import { ChatPanel } from './ChatPanel';

afterEach(cleanup);

describe('ChatPanel', () => {
  it('renders markup in a message as text, never as HTML', () => {
    const evil = '<img src=x onerror="window.__pwned=1"><b>bold</b><script>alert(1)</script>';
    const { container } = render(
      <MemoryRouter>
        <ChatPanel messages={[{ id: 'm1', text: evil, author: { userId: 'usr_1', displayName: '<i>Eve</i>' } }]} onSend={null} />
      </MemoryRouter>,
    );
    expect(screen.getByText(evil)).toBeTruthy();
    expect(screen.getByText('<i>Eve</i>')).toBeTruthy();
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('b')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('i')).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it('offers sign-in instead of the input when signed out', () => {
    render(
      <MemoryRouter initialEntries={['/watch/str_1']}>
        <ChatPanel messages={[]} onSend={null} />
      </MemoryRouter>,
    );
    expect(screen.getByRole('button', { name: 'Sign in to chat' })).toBeTruthy();
    expect(screen.queryByLabelText('Message')).toBeNull();
  });

  it('masks the author id when a message has no display name and marks the host', () => {
    render(
      <MemoryRouter>
        <ChatPanel
          messages={[
            { id: 'm1', text: 'hi', author: { userId: 'usr_0123456789abcdef' } },
            { id: 'm2', text: 'welcome', author: { userId: 'usr_h', displayName: 'Hana', isHost: true } },
          ]}
          onSend={async () => {}}
        />
      </MemoryRouter>,
    );
    expect(screen.getByText('usr_0123…')).toBeTruthy();
    expect(screen.getByText('Host')).toBeTruthy();
    expect(screen.getByLabelText('Message')).toBeTruthy();
  });
});
