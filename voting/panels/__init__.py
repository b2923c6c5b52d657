"""Citizens' panels by lot (burgerberaad, wijkcomité): the web side of ``ballots.panels``."""
