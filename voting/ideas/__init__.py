"""Ideas for a buurtbudget (issue #13): residents send them in with their process
letter's code, organisers as before; the clerk checks, corrects and merges them, and
every proposal has a public page."""
