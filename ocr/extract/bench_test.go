package extract

import "testing"

// BenchmarkExtract measures Extract on a receipt of usual length.
func BenchmarkExtract(b *testing.B) {
	doc := docFromLines(
		"SWEET FOREST CAFE", "NO 21,JLN BUNGA KANTAN", "TAMAN P.RAMLEE SETAPAK", "53000 KUALA LUMPUR.",
		"(GST Reg. No : 000465809488)", "Tax Invoice", "Table 15", "INV No.: 593101 Pax(s): 2",
		"Date : 14-02-2018 13:02:42", "Cashier: SIM", "Description Qty U.price Total TAX",
		"Smoked Duck Spaghetti", "1x\t12.50 12.50 SR", "Hot Green Tea", "1x\t3.00 3.00 SR",
		"Coffee(H)", "1x\t4.90 4.90 SR", "Rendang Chicken Rice", "1x\t9.90 9.90 SR", "Total QTY: 4",
		"Total (Excluding GST):\t28.58", "GST payable (6%):\t1.72", "Total (Inclusive of GST):\t30.30",
		"Closed: 061 14-02-2018 13:50:58", "Server: SIM JIAN WAT", "CASH :\t50.00", "CHANGE :\t19.70",
		"GST Summary Amount(RM) Tax(RM)", "SR (@ 6%)\t28.58 1.72", "Thank you",
	)
	for b.Loop() {
		Extract(doc)
	}
}
