extension Int {
    /// a·b, or Int.max when it overflows: totals from spec sizes saturate, and a total at
    /// Int.max is reported rather than trapping.
    public func saturatingTimes(_ b: Int) -> Int {
        let (product, overflow) = multipliedReportingOverflow(by: b)
        return overflow ? Int.max : product
    }

    /// a + b, or Int.max when it overflows.
    public func saturatingPlus(_ b: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(b)
        return overflow ? Int.max : sum
    }
}
