"""Staff accounts: invitations, passwords, two-factor login and the admin's list."""
