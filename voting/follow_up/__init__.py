"""What happened next: council decisions, project progress, public follow-up pages,
feeds and e-mail updates (issue #14)."""
