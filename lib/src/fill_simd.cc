// Highway SIMD fills (placeholder; see kernel.h).
