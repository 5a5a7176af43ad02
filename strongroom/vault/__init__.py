"""The vault: tenants' data specs, sealed records, masked views, reveal, blind-index search,
erasure, card tokens and key rotation. The only domain that opens sealed values."""
