import { actionsEnabled, adminToken } from '../dashboard-state.js';

/** Where the operator types the admin token; said plainly when actions are off. */
export function AdminTokenField() {
  if (!actionsEnabled.value)
    return (
      <p class="notice" role="note">
        Read-only: this dashboard was started without an admin token, so redrive is off. Start it
        with <code>--admin-token</code> or <code>DASHBOARD_ADMIN_TOKEN</code> to enable it.
      </p>
    );
  return (
    <p class="token-field">
      <label>
        Admin token{' '}
        <input
          type="password"
          autocomplete="off"
          value={adminToken.value}
          onInput={(event) => {
            adminToken.value = (event.target as HTMLInputElement).value;
          }}
        />
      </label>{' '}
      <span class="muted">needed to redrive; kept in this tab only</span>
    </p>
  );
}
