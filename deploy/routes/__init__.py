"""HTTP routes, one module per resource; ``deploy.app`` includes their routers."""
