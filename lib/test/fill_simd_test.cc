// Bit-identity of the SIMD fills with the scalar reference (placeholder).
