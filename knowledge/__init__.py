"""The knowledge base: schema, loading, Vietnamese normalisation and matching."""
