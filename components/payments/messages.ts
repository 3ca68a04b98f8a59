/**
 * Words every provider's forms tell a customer, so checkout, subscribe and the billing portal say
 * the same thing whichever provider takes the card.
 */

export const NOT_CHARGED = 'You have not been charged.';
