"""sitegen's MkDocs theme (`theme: {name: sitegen}`): this folder is installed as the package
sitegen.theme, so MkDocs finds it by its entry point and serves its static files."""
