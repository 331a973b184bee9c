/* The boot option `iommu-test=<bus:dev.fn>` (core/iommu_selftest.c). */
#ifndef BULKHEAD_CORE_IOMMU_SELFTEST_H
#define BULKHEAD_CORE_IOMMU_SELFTEST_H

/* Exercise the IOMMU with QEMU's edu device at `bdf`; prints each check and a verdict line
 * "iommu-test: N passed, M failed". */
void iommu_selftest(const char *bdf);

#endif
