"""One module per tab: build(ctx) makes the components, wire(tab, ctx, page, **other tabs' components)
connects events; widgets and common hold what several tabs share."""
